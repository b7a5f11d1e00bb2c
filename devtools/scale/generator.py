"""Scale data for benchmarks: a province's years of work, written with COPY (DESIGN.md §5, issue 7).

The data follow the workflow the services enforce, without calling them (they are far too slow for a
million rows): every report has its reporter, allegations with subjects from the registry (repeat reports
reuse subjects), dispositions, verifications, assignments, findings and feedback as its state requires;
closed reports lead to clarifications (reviewed, approved, executed in monthly city-county batches, some
with return visits), false-accusation cases and accountability cases with decisions of all four forms.
Search tokens come from cases.search.tokens_for, named reporters are encrypted with core.crypto (once per
distinct identity), and ReferenceCounter / CaseCounter rows match the reference numbers.

Everything is drawn from one random.Random(seed) in a fixed order, with dates counted back from today:
the same seed on the same day gives the same references, summaries and states. devtools.scale.checker
validates a sample against the model rules afterwards.
"""

import datetime
import random
import time
from collections import defaultdict

from django.db import connection, transaction
from django.utils import timezone

from accountability.models import (
    AccountabilityCase,
    CaseCounter,
    Decision,
    FollowUpVisit,
    Target,
)
from accountability.services import influence_end
from accounts.models import CommissionLevel
from accounts.roles import Role
from cases.models import (
    Allegation,
    Assignment,
    Disposition,
    Feedback,
    ReferenceCounter,
    Report,
    Reporter,
    Subject,
    Transfer,
    Verification,
)
from cases.search import tokens_for
from cases.vocabulary import GIVEN_NAMES, ORGANISATIONS, PROBLEMS, REPORTER_RELATIONS, SURNAMES, UNITS
from clarification.models import (
    BatchItem,
    FalseAccusationCase,
    JointBatch,
    Measure,
    Recommendation,
    RecommendationItem,
    ReturnVisit,
    ReviewOpinion,
)
from core import crypto

from .copy import Table, create_indexes, drop_indexes, next_id, reset_sequence, secondary_indexes
from .tree import Province, build_province

CHANNELS = (
    ["letter", "visit", "phone", "online", "scan_code", "inspection_tour", "audit", "judicial", "other_department"],
    [22, 12, 10, 30, 8, 6, 4, 3, 5],
)
TOWNS = ["龙华", "西城", "白水", "金龙", "马街", "板桥", "双河", "新街", "大庄", "青龙"]
DETAILS = [
    "",
    "，涉及金额约{n}万元",
    "，群众反映强烈",
    "，时间跨度{n}年",
    "，并提供了相关票据复印件",
    "，在当地造成不良影响",
]
RANKS_BY_POSITION = {"局长": "township", "副局长": "township", "镇长": "township", "副镇长": "township"}
FINDINGS = (["substantiated", "partly", "unsubstantiated", "cannot_verify"], [30, 15, 45, 10])
FINDING_NOTES = {
    "substantiated": "经核查，反映问题属实。",
    "partly": "经核查，反映问题部分属实。",
    "unsubstantiated": "经核查，反映问题不属实。",
    "cannot_verify": "经核查，现有证据无法查实。",
}
HISTORY_YEARS_AT_MILLION = 5


def _status_for(rng: random.Random, age: int) -> str:
    if age < 15:
        table = (["registered", "disposition_proposed", "disposition_approved"], [60, 25, 15])
    elif age < 60:
        table = (
            ["registered", "disposition_proposed", "disposition_approved", "under_verification", "concluded"]
            + ["held", "closed_early", "transferred", "closed"],
            [4, 4, 8, 45, 10, 5, 10, 4, 10],
        )
    else:
        table = (
            ["closed", "closed_early", "transferred", "held", "under_verification", "concluded"],
            [72, 12, 7, 3, 3, 3],
        )
    return rng.choices(*table)[0]


def _is_superuser() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        return bool(cursor.fetchone()[0])


def _stamp(day: datetime.date, minutes: int = 540) -> str:
    return f"{day.isoformat()} {minutes // 60 % 24:02d}:{minutes % 60:02d}:00+08"


class Generator:
    def __init__(self, *, reports: int, seed: int = 1, log=print, chunk: int = 50_000, rebuild_indexes=None):
        self.n = reports
        self.seed = seed
        self.rng = random.Random(seed)
        self.log = log
        self.chunk = chunk
        self.today = timezone.localdate()
        self.rebuild_indexes = reports >= 50_000 if rebuild_indexes is None else rebuild_indexes
        span = int(365 * HISTORY_YEARS_AT_MILLION * reports / 1_000_000)
        self.span = max(400, min(span, 365 * HISTORY_YEARS_AT_MILLION))
        self.counts: dict[str, int] = {}

    # -- helpers ------------------------------------------------------------------------------------------

    def day(self, offset_from_today: int) -> datetime.date:
        return self.today - datetime.timedelta(days=max(offset_from_today, 0))

    def clamp(self, day: datetime.date) -> datetime.date:
        return min(day, self.today)

    def pick(self, node, role: str) -> int:
        users = node.users.get(role) or self.province.root.users[role]
        return users[self.rng.randrange(len(users))]

    def managing(self, subject) -> int:
        """cases.authority.managing_commission on the in-memory tree."""
        _id, kind, rank, home = subject[:4]
        node = self.province.nodes[home]
        if kind != "person" or not rank:
            return node.pk
        up = {
            CommissionLevel.COUNTY: {"county", "department", "provincial"},
            CommissionLevel.MUNICIPAL: {"department", "provincial"},
            CommissionLevel.PROVINCIAL: {"provincial"},
        }
        while node.parent_id and rank in up.get(node.level, set()):
            node = self.province.nodes[node.parent_id]
        return node.pk

    def identity(self, index: int) -> tuple:
        """An encrypted reporter identity; each distinct one is encrypted once and reused."""
        cached = self.identities.get(index)
        if cached is None:
            r = random.Random(self.seed * 1_000_003 + index)
            name = r.choice(SURNAMES) + r.choice(GIVEN_NAMES) + r.choice(GIVEN_NAMES)
            phone = f"13{r.randrange(10**9):09d}"
            id_number = f"5303{r.randrange(10**13):013d}X"
            address = f"云南省{r.choice(TOWNS)}镇{r.randrange(1, 200)}号"
            cached = (
                crypto.encrypt(name),
                crypto.encrypt(phone),
                crypto.encrypt(id_number),
                crypto.encrypt(address),
                crypto.keyed_hash(id_number, purpose="reporter"),
            )
            self.identities[index] = cached
        return cached

    def relation(self, rng: random.Random) -> str:
        """An encrypted relation to the subject (it is protected like the identity); each choice encrypted once."""
        choice = rng.choice(REPORTER_RELATIONS)
        if choice not in self.relations:
            self.relations[choice] = crypto.encrypt(choice)
        return self.relations[choice]

    # -- the run --------------------------------------------------------------------------------------------

    def run(self) -> dict:
        started = time.monotonic()
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
            self.province: Province = build_province()
            self.log(f"tree: {len(self.province.nodes)} commissions ({time.monotonic() - started:.1f}s)")
            big = [Report, Allegation, Reporter, Subject, Disposition, Verification, Assignment]
            indexes = secondary_indexes(big) if self.rebuild_indexes else []
            drop_indexes(indexes)
            skip_fk_triggers = self.rebuild_indexes and _is_superuser()
            if skip_fk_triggers:
                # Ids are allocated here, so every reference points at a row written before it; checking millions
                # of deferred foreign keys one by one at commit would take longer than the load. The checker
                # validates the foreign keys of a sample (full_clean) instead.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL session_replication_role = replica")
            self.reports_phase()
            self.log(f"reports: {self.n} ({time.monotonic() - started:.1f}s)")
            self.clarification_phase()
            self.accountability_phase()
            self.log(f"clarification and accountability ({time.monotonic() - started:.1f}s)")
            if skip_fk_triggers:
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL session_replication_role = origin")
            if indexes:
                create_indexes(indexes)
                self.log(f"indexes rebuilt ({time.monotonic() - started:.1f}s)")
            for model in self.models_written:
                reset_sequence(model)
        # VACUUM sets the visibility map that index-only scans read, as autovacuum does in time on a running
        # system (inside a test's transaction, where VACUUM cannot run, the statistics are enough).
        analyze = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            for model in self.models_written:
                cursor.execute(f"{analyze} {model._meta.db_table}")
        self.counts["seconds"] = round(time.monotonic() - started, 1)
        self.log(f"done in {self.counts['seconds']}s")
        return self.counts

    # -- reports and everything on them ----------------------------------------------------------------

    def reports_phase(self) -> None:
        rng = self.rng
        nodes = list(self.province.nodes.values())
        kunming = next((n for n in nodes if n.path.endswith("/530100/")), None)
        weights = []
        for node in nodes:
            base = {CommissionLevel.PROVINCIAL: 0.4, CommissionLevel.MUNICIPAL: 2.5}.get(node.level, 6.0)
            if kunming is not None and node.path.startswith(kunming.path):
                base *= 1.6
            weights.append(base * rng.lognormvariate(0, 0.4))
        chosen = rng.choices(nodes, weights=weights, k=self.n)
        offsets = sorted((rng.randrange(self.span) for _ in range(self.n)), reverse=True)

        ids = {m: next_id(m) for m in (Report, Allegation, Reporter, Subject, Disposition, Verification)}
        ids.update({m: next_id(m) for m in (Assignment, Feedback, Transfer)})
        self.reporter_start = ids[Reporter]
        counters = {
            (c, y): last for c, y, last in ReferenceCounter.objects.values_list("commission_id", "year", "last")
        }
        self.identities: dict[int, tuple] = {}
        self.relations: dict[str, str] = {}
        pools: dict[int, list] = defaultdict(list)  # commission -> [(id, kind, rank, home, name, label)]
        self.clarify: list = []
        self.account: list = []
        t_report = Table(
            Report,
            ["id", "reference", "commission", "received_on", "channel", "area", "summary", "status", "outcome"]
            + ["due_on", "place", "created_by", "created_at", "updated_at", "search_tokens"],
        )
        t_subject = Table(
            Subject,
            ["id", "kind", "name", "position", "unit", "rank", "is_party_member", "organisation_kind"]
            + ["commission", "created_at"],
        )
        t_allegation = Table(
            Allegation,
            ["id", "report", "subject", "category", "text", "finding", "finding_notes", "finding_by", "finding_at"]
            + ["suspected_false", "false_grounds", "false_grounds_notes"],
        )
        t_reporter = Table(
            Reporter,
            ["id", "report", "is_anonymous", "name", "phone", "id_number", "address", "relation", "identity_hash"]
            + ["receipt_hash"],
        )
        t_disposition = Table(
            Disposition,
            ["id", "report", "kind", "reasons", "transfer_organ", "decision", "proposed_by", "proposed_at"]
            + ["decided_by", "decided_at", "decision_reason", "from_commission"],
        )
        t_transfer = Table(
            Transfer, ["id", "report", "from_commission", "to_organ", "from_reference", "disposition", "created_at"]
        )
        t_verification = Table(
            Verification, ["id", "report", "started_at", "due_on", "notes", "concluded_at", "concluded_by"]
        )
        t_assignment = Table(Assignment, ["id", "report", "user", "assigned_by", "assigned_at", "active"])
        t_feedback = Table(Feedback, ["id", "report", "text", "method", "given_on", "given_by", "created_at"])
        tables = [
            t_subject,
            t_report,
            t_allegation,
            t_reporter,
            t_disposition,
            t_transfer,
            t_verification,
            t_assignment,
            t_feedback,
        ]
        self.models_written = [t.model for t in tables]
        next_sid = ids[Subject]
        next_aid = ids[Allegation]
        next_did = ids[Disposition]
        next_vid, next_asid, next_fid, next_tid = ids[Verification], ids[Assignment], ids[Feedback], ids[Transfer]

        for index in range(self.n):
            node = chosen[index]
            rid = ids[Report] + index
            age = offsets[index]
            received = self.day(age)
            key = (node.pk, received.year)
            counters[key] = counters.get(key, 0) + 1
            reference = f"{node.prefix}-{received.year}-{counters[key]:06d}"
            status = _status_for(rng, age)
            channel = rng.choices(*CHANNELS)[0]
            created = _stamp(received, 480 + rng.randrange(600))

            # subjects: one or two, new or from the commission's registry (repeat reports)
            pool = pools[node.pk]
            subjects = []
            for _ in range(1 if rng.random() < 0.78 else 2):
                if pool and rng.random() < 0.75:
                    subject = pool[int(len(pool) * rng.random() ** 3)]
                    if subject in subjects:
                        continue
                else:
                    unit, position = rng.choice(UNITS)
                    short = node.short
                    if unit.startswith("镇"):
                        unit = f"{short}{rng.choice(TOWNS)}{unit}"
                    elif unit.startswith("村"):
                        unit = f"{short}{rng.choice(TOWNS)}村{unit[1:]}"
                    else:
                        unit = f"{short}{unit[1:]}"
                    if rng.random() < 0.9:
                        name = (
                            rng.choice(SURNAMES)
                            + rng.choice(GIVEN_NAMES)
                            + ("" if rng.random() < 0.3 else rng.choice(GIVEN_NAMES))
                        )
                        rank = "county" if rng.random() < 0.05 else RANKS_BY_POSITION.get(position, "general")
                        subject = (next_sid, "person", rank, node.pk, name, f"{unit}{position}{name}")
                        t_subject.add(
                            next_sid, "person", name, position, unit, rank, rng.random() < 0.85, "", node.pk, created
                        )
                    else:
                        name = f"{unit}{rng.choice(ORGANISATIONS)}"
                        subject = (next_sid, "organisation", "", node.pk, name, name)
                        t_subject.add(next_sid, "organisation", name, "", unit, "", False, "party", node.pk, created)
                    next_sid += 1
                    pool.append(subject)
                subjects.append(subject)

            # allegations
            count = 1 + (rng.random() < 0.6) + (rng.random() < 0.5) + (rng.random() < 0.35)
            items = []
            for k in range(count):
                subject = subjects[0] if k == 0 else rng.choice(subjects)
                problem, category, area = rng.choice(PROBLEMS)
                detail = rng.choice(DETAILS).format(n=rng.randrange(2, 90))
                items.append([next_aid, subject, category, f"{subject[4]}{problem}{detail}", problem, area])
                next_aid += 1
            first = items[0]
            summary = f"反映{first[1][5]}{first[4]}等问题" if count > 1 else f"反映{first[1][5]}{first[4]}"
            tokens = tokens_for(summary, *(a[3] for a in items), *(a[1][4] for a in items))

            # the workflow: disposition, verification, findings, outcome
            intake = self.pick(node, Role.INTAKE)
            supervisor = self.pick(node, Role.SUPERVISOR)
            due_on, outcome, updated = None, "", created
            findings = {}
            decided_day = self.clamp(received + datetime.timedelta(days=3 + rng.randrange(10)))
            if status != "registered":
                kind = {"held": "hold", "closed_early": "close", "transferred": "transfer"}.get(
                    status, "preliminary" if rng.random() < 0.75 else "talk_letter"
                )
                pending = status == "disposition_proposed"
                t_disposition.add(
                    next_did,
                    rid,
                    kind,
                    "根据线索具体程度，拟按规定方式处置。",
                    "公安机关" if kind == "transfer" else "",
                    "pending" if pending else "approved",
                    self.pick(node, Role.REVIEWER),
                    _stamp(self.clamp(received + datetime.timedelta(days=2))),
                    None if pending else supervisor,
                    None if pending else _stamp(decided_day, 600),
                    "",
                    node.pk,
                )
                if kind == "transfer":
                    t_transfer.add(next_tid, rid, node.pk, "公安机关", reference, next_did, _stamp(decided_day, 610))
                    next_tid += 1
                next_did += 1
                updated = _stamp(decided_day, 600)
            if status in ("registered", "disposition_proposed", "disposition_approved"):
                due_on = self.clamp(received + datetime.timedelta(days=30 if status != "registered" else 15))
            investigator = None
            if status in ("under_verification", "concluded", "closed"):
                investigator = self.pick(node, Role.INVESTIGATOR)
                started = self.clamp(received + datetime.timedelta(days=12 + rng.randrange(8)))
                verify_due = started + datetime.timedelta(days=90)
                done = status != "under_verification"
                concluded = self.clamp(started + datetime.timedelta(days=25 + rng.randrange(60))) if done else None
                t_verification.add(
                    next_vid,
                    rid,
                    _stamp(started, 620),
                    verify_due,
                    "按程序开展初步核实。",
                    _stamp(concluded, 900) if done else None,
                    supervisor if done else None,
                )
                next_vid += 1
                t_assignment.add(next_asid, rid, investigator, supervisor, _stamp(started, 615), True)
                next_asid += 1
                for a in items:
                    if done or rng.random() < 0.5:
                        finding_day = concluded or self.clamp(started + datetime.timedelta(days=10 + rng.randrange(20)))
                        findings[a[0]] = (rng.choices(*FINDINGS)[0], finding_day)
                due_on = verify_due if status == "under_verification" else None
                if status == "concluded":
                    due_on = concluded + datetime.timedelta(days=15)
                    updated = _stamp(concluded, 900)
                if status == "closed":
                    closed_day = self.clamp(concluded + datetime.timedelta(days=3 + rng.randrange(10)))
                    updated = _stamp(closed_day, 960)
                    values = {f for f, _d in findings.values()}
                    if values & {"substantiated", "partly"} and rng.random() < 0.35:
                        outcome = "accountability"
                    elif "unsubstantiated" in values and rng.random() < 0.6:
                        outcome = "clarification"
                    else:
                        outcome = "close"
            if status == "held":
                due_on = None

            reporter_id = ids[Reporter] + index
            anonymous = rng.random() < 0.65
            flagged = set()
            if outcome == "clarification":
                target = next(a for a in items if findings[a[0]][0] == "unsubstantiated")[1]
                mine = [a for a in items if a[1] == target and findings[a[0]][0] == "unsubstantiated"]
                if rng.random() < 0.05:
                    flagged.add(mine[0][0])
                self.clarify.append(
                    (
                        rid,
                        node.pk,
                        target,
                        [a[0] for a in mine],
                        mine[0][4],
                        closed_day,
                        flagged,
                        reporter_id,
                        anonymous,
                    )
                )
            if outcome == "accountability":
                hit = next(a for a in items if findings[a[0]][0] in ("substantiated", "partly"))
                self.account.append((rid, node.pk, hit[1], hit[4], closed_day))

            for a in items:
                finding, finding_day = findings.get(a[0], ("", None))
                suspected = a[0] in flagged
                t_allegation.add(
                    a[0],
                    rid,
                    a[1][0],
                    a[2],
                    a[3],
                    finding,
                    FINDING_NOTES.get(finding, ""),
                    investigator if finding else None,
                    _stamp(finding_day, 800) if finding else None,
                    suspected,
                    "fabricated" if suspected else "",
                    "举报内容与查明事实明显不符，且举报人明知。" if suspected else "",
                )

            receipt = None
            if channel in ("online", "scan_code"):
                receipt = crypto.keyed_hash(f"{self.seed:04d}{rid:016d}", purpose="receipt")
            if anonymous:
                t_reporter.add(reporter_id, rid, True, "", "", "", "", self.relation(rng), "", receipt)
            else:
                name, phone, id_number, address, identity_hash = self.identity(rng.randrange(5000))
                t_reporter.add(
                    reporter_id,
                    rid,
                    False,
                    name,
                    phone,
                    id_number,
                    address,
                    self.relation(rng),
                    identity_hash,
                    receipt,
                )
                if status == "closed":
                    t_feedback.add(
                        next_fid, rid, "已将核查结果告知举报人。", "phone", closed_day, intake, _stamp(closed_day, 970)
                    )
                    next_fid += 1

            t_report.add(
                rid,
                reference,
                node.pk,
                received,
                channel,
                first[5],
                summary,
                status,
                outcome,
                due_on,
                "",
                None if channel in ("online", "scan_code") else intake,
                created,
                updated,
                tokens,
            )
            if (index + 1) % self.chunk == 0:
                for table in tables:
                    table.flush()
                self.log(f"  {index + 1} reports")
        for table in tables:
            table.flush()
        with connection.cursor() as cursor:
            for (commission_id, year), last in counters.items():
                cursor.execute(
                    "INSERT INTO cases_referencecounter (commission_id, year, last) VALUES (%s, %s, %s) "
                    "ON CONFLICT (commission_id, year) DO UPDATE SET last = GREATEST(cases_referencecounter.last, "
                    "EXCLUDED.last)",
                    [commission_id, year, last],
                )
        for table in tables:
            self.counts[table.table] = table.total

    # -- clarifications, joint batches, false accusations ----------------------------------------------------

    def clarification_phase(self) -> None:
        rng = self.rng
        nodes = self.province.nodes
        t_rec = Table(
            Recommendation,
            ["id", "report", "subject", "commission", "approving_commission", "status", "round", "method", "audience"]
            + ["statement", "subject_wishes", "drafted_by", "created_at", "updated_at", "decided_by", "decided_at"]
            + ["decision_reason", "approved_snapshot", "executed_on", "execution_place", "execution_participants"]
            + ["execution_method", "execution_audience", "executed_by"],
        )
        t_item = Table(RecommendationItem, ["id", "recommendation", "allegation"])
        t_opinion = Table(
            ReviewOpinion,
            ["id", "recommendation", "round", "office", "opinion", "reasons", "recorded_by", "recorded_at"],
        )
        t_visit = Table(ReturnVisit, ["id", "recommendation", "due_on", "visited_on", "notes", "recorded_by"])
        t_batch = Table(
            JointBatch,
            ["id", "city", "month", "status", "built_at", "built_by", "executed_on"],
        )
        t_bitem = Table(BatchItem, ["id", "batch", "recommendation", "county", "method"])
        t_case = Table(
            FalseAccusationCase,
            ["id", "allegation", "report", "commission", "accuser", "accuser_class", "means", "means_notes"]
            + ["aggravations", "recommendation", "status", "opened_by", "opened_at", "closed_at"],
        )
        t_measure = Table(
            Measure,
            ["id", "case", "kind", "subkind", "details", "counterpart", "sent_on", "follow_up", "status"]
            + ["proposed_by", "proposed_at", "decided_by", "decided_at", "decision_reason"],
        )
        tables = [t_rec, t_item, t_opinion, t_visit, t_batch, t_bitem, t_case, t_measure]
        self.models_written += [t.model for t in tables]
        rid, iid, oid, vid = (next_id(m) for m in (Recommendation, RecommendationItem, ReviewOpinion, ReturnVisit))
        bid, biid, cid, mid = (next_id(m) for m in (JointBatch, BatchItem, FalseAccusationCase, Measure))
        existing_batches = set(JointBatch.objects.values_list("city_id", "month"))
        this_month = self.today.replace(day=1)
        batches: dict[tuple, list] = defaultdict(list)
        offices = ["letters_visits", "case_trial", "case_management"]
        for item in self.clarify:
            report_id, commission_id, subject, allegation_ids, problem, closed_day, flagged, reporter_id, anon = item
            node = nodes[commission_id]
            age = (self.today - closed_day).days
            if age > 40:
                # The return visit falls due about 115 days after closing; most are recorded within weeks, so
                # "my work" holds a realistic backlog rather than every visit of five years.
                status = "completed" if age > 150 and rng.random() < 0.95 else "executed"
            elif age > 10:
                status = rng.choices(["approved", "pending_approval", "in_review"], [85, 10, 5])[0]
            else:
                status = rng.choices(["draft", "in_review", "approved"], [40, 40, 20])[0]
            approving = self.managing(subject)
            method, audience = rng.choices(
                [("meeting", "unit"), ("written", "person"), ("face_to_face", "person"), ("notification", "sector")],
                [55, 20, 15, 10],
            )[0]
            statement = f"经核查，反映{subject[4]}{problem}的问题不属实，予以澄清正名。"
            drafted = _stamp(self.clamp(closed_day + datetime.timedelta(days=2)), 630)
            decided = self.clamp(closed_day + datetime.timedelta(days=8))
            done = status in ("executed", "completed")
            approved = status in ("approved", "executed", "completed")
            executed_on = None
            city = self.province.city_of(node)
            if done:
                if city is not None:
                    month = (closed_day + datetime.timedelta(days=20)).replace(day=1)
                    month = min(month, (this_month - datetime.timedelta(days=1)).replace(day=1))
                    executed_on = min(month.replace(day=25), self.today)
                    batches[(city.pk, month)].append((rid, commission_id, method))
                else:
                    executed_on = self.clamp(closed_day + datetime.timedelta(days=25))
            supervisor = self.pick(nodes[approving], Role.SUPERVISOR)
            snapshot = (
                {
                    "method": method,
                    "audience": audience,
                    "statement": statement,
                    "allegations": sorted(allegation_ids),
                    "subject_wishes": True,
                }
                if approved
                else {}
            )
            t_rec.add(
                rid,
                report_id,
                subject[0],
                commission_id,
                approving,
                status,
                1,
                method,
                audience,
                statement,
                True,
                self.pick(node, Role.INVESTIGATOR),
                drafted,
                _stamp(executed_on or decided, 700),
                supervisor if approved else None,
                _stamp(decided, 660) if approved else None,
                "",
                snapshot,
                executed_on,
                f"{node.short}会议室" if done else "",
                "被澄清人及所在单位党组织负责人" if done else "",
                method if done else "",
                audience if done else "",
                self.pick(node, Role.SUPERVISOR) if done else None,
            )
            for allegation_id in allegation_ids:
                t_item.add(iid, rid, allegation_id)
                iid += 1
            given = 3 if status not in ("draft", "in_review") else (0 if status == "draft" else 1)
            for office in offices[:given]:
                role = Role.INTAKE if office == "letters_visits" else Role.REVIEWER
                t_opinion.add(oid, rid, 1, office, "agree", "", self.pick(node, role), drafted)
                oid += 1
            if done:
                visited = status == "completed"
                visit_day = self.clamp(executed_on + datetime.timedelta(days=60 + rng.randrange(30)))
                t_visit.add(
                    vid,
                    rid,
                    executed_on + datetime.timedelta(days=90),
                    visit_day if visited else None,
                    "回访了解被澄清干部思想和工作状况，情绪稳定，工作积极。" if visited else "",
                    self.pick(node, Role.INVESTIGATOR) if visited else None,
                )
                vid += 1
            for allegation_id in flagged:
                closed = age > 90
                t_case.add(
                    cid,
                    allegation_id,
                    report_id,
                    commission_id,
                    None if anon else reporter_id,
                    rng.choice(["party_member", "public_official", "other"]),
                    rng.choice(["fabricated", "forged", "other"]),
                    "捏造事实、歪曲事实进行举报。",
                    rng.sample(["bad_means", "adverse_effects", "repeated"], rng.randrange(0, 3)),
                    rid,
                    "closed" if closed else "open",
                    self.pick(node, Role.SUPERVISOR),
                    _stamp(self.clamp(closed_day + datetime.timedelta(days=5)), 640),
                    _stamp(self.clamp(closed_day + datetime.timedelta(days=80)), 640) if closed else None,
                )
                kinds = [("decision", "party_discipline", "给予诬告者党纪处分。")]
                if rng.random() < 0.3:
                    kinds.append(("exposure", "internal", "作为典型案例内部通报。"))
                for kind, subkind, details in kinds:
                    decided_at = _stamp(self.clamp(closed_day + datetime.timedelta(days=40)), 700) if closed else None
                    t_measure.add(
                        mid,
                        cid,
                        kind,
                        subkind,
                        details,
                        "",
                        None,
                        "",
                        "approved" if closed else "proposed",
                        self.pick(node, Role.INVESTIGATOR),
                        _stamp(self.clamp(closed_day + datetime.timedelta(days=20)), 700),
                        self.pick(node, Role.SUPERVISOR) if closed else None,
                        decided_at,
                        "",
                    )
                    mid += 1
                cid += 1
            rid += 1
        for (city_id, month), members in sorted(batches.items()):
            if (city_id, month) in existing_batches:
                continue
            city = nodes[city_id]
            executed_on = min(month.replace(day=25), self.today)
            supervisor = self.pick(city, Role.SUPERVISOR)
            t_batch.add(
                bid,
                city_id,
                month,
                "executed",
                _stamp(month.replace(day=20), 540),
                supervisor,
                executed_on,
            )
            for rec_id, county_id, method in members:
                t_bitem.add(biid, bid, rec_id, county_id, method)
                biid += 1
            bid += 1
        for table in tables:
            table.flush()
            self.counts[table.table] = table.total

    # -- accountability ------------------------------------------------------------------------------------

    def accountability_phase(self) -> None:
        rng = self.rng
        nodes = self.province.nodes
        through = AccountabilityCase.reports.through
        t_case = Table(
            AccountabilityCase,
            ["id", "reference", "commission", "trigger", "facts", "status", "initiated_on", "created_by"]
            + ["created_at", "updated_at"],
        )
        t_link = Table(through, ["id", "accountabilitycase", "report"])
        t_target = Table(
            Target,
            ["id", "case", "subject", "kind", "statement", "unit_opinion", "department_opinion", "effect_assessment"]
            + ["motive", "attitude", "performance", "loss_recovery", "circumstance", "exemption_reasons"],
        )
        t_decision = Table(
            Decision,
            ["id", "case", "commission", "target", "status", "form", "measures", "circumstance", "target_kind"]
            + ["reasons"]
            + ["deciding_organ", "transfer_organ", "transfer_reference", "approving_commission", "proposed_by"]
            + ["proposed_at", "approved_by", "decided_on", "first_decided_on", "notified_on", "return_reason"]
            + ["implemented_on"]
            + ["influence_ends_on", "reuse_result", "reuse_notes", "reuse_reviewed_on"],
        )
        t_visit = Table(FollowUpVisit, ["id", "decision", "commission", "due_on", "done_on", "notes", "visited_by"])
        tables = [t_case, t_link, t_target, t_decision, t_visit]
        self.models_written += [t.model for t in tables]
        cid, lid, tid, did, vid = (next_id(m) for m in (AccountabilityCase, through, Target, Decision, FollowUpVisit))
        counters = {(c, y): last for c, y, last in CaseCounter.objects.values_list("commission_id", "year", "last")}
        # Within the measures each form allows (accountability/migrations/0004_measures_allowed).
        measures_by_form = {
            1: [["talk_reminder"], ["criticism_education"], ["admonition"]],
            2: [["organisational_adjustment"], ["sanction"], ["sanction", "organisational_adjustment"]],
            3: [["sanction"], ["sanction", "organisational_adjustment"]],
            4: [["judicial_transfer", "sanction"]],
        }
        triggers = [
            "major_decisions",
            "ecology",
            "epidemic",
            "production_safety",
            "poverty_rural",
            "formalism",
            "other",
        ]
        for report_id, commission_id, subject, problem, closed_day in self.account:
            node = nodes[commission_id]
            initiated = self.clamp(closed_day + datetime.timedelta(days=5))
            age = (self.today - initiated).days
            if age > 200:
                status = rng.choices(["closed", "implemented"], [70, 30])[0]
            elif age > 60:
                status = rng.choices(["implemented", "decided", "closed"], [50, 30, 20])[0]
            elif age > 20:
                status = rng.choices(["decision_proposed", "investigating", "decided"], [40, 40, 20])[0]
            else:
                status = rng.choices(["initiated", "investigating"], [50, 50])[0]
            key = (commission_id, initiated.year)
            counters[key] = counters.get(key, 0) + 1
            reference = f"{node.prefix}-WZ-{initiated.year}-{counters[key]:04d}"
            supervisor = self.pick(node, Role.SUPERVISOR)
            decided_on = self.clamp(initiated + datetime.timedelta(days=30 + rng.randrange(20)))
            t_case.add(
                cid,
                reference,
                commission_id,
                rng.choice(triggers),
                f"{subject[4]}{problem}，履职不力，造成不良影响。",
                status,
                initiated,
                supervisor,
                _stamp(initiated, 600),
                _stamp(decided_on if status not in ("initiated", "investigating") else initiated, 610),
            )
            t_link.add(lid, cid, report_id)
            lid += 1
            assessed = status not in ("initiated", "investigating")
            circumstance = ""
            if assessed:
                circumstance = rng.choices(["ordinary", "lighter", "heavier", "exemption", "none"], [60, 20, 10, 7, 3])[
                    0
                ]
            musts = (
                "本人对问题有所认识。",
                "所在单位党组织意见：同意处理。",
                "主管部门意见：同意。",
                "处理有利于教育本人。",
            )
            t_target.add(
                tid,
                cid,
                subject[0],
                subject[1],
                *(musts if assessed else ("", "", "", "")),
                *(("工作失误", "认错态度较好", "一贯表现良好", "已挽回部分损失") if assessed else ("", "", "", "")),
                circumstance,
                "符合容错免责情形。" if circumstance == "exemption" else "",
            )
            if assessed:
                if circumstance in ("exemption", "none"):
                    form, measures = None, []
                elif subject[1] != "person":
                    # Party organisations get their own measures and no form.
                    form, measures = rng.choice([(None, ["org_inspection"]), (None, ["org_circulation"])])
                else:
                    form = rng.choices([1, 2, 3, 4], [73, 19, 6, 2])[0]
                    measures = rng.choice(measures_by_form[form])
                in_force = status != "decision_proposed"
                influence = (
                    influence_end(kind=subject[1], measures=measures, decided_on=decided_on) if in_force else None
                )
                implemented = status in ("implemented", "closed")
                # Work that falls due is mostly done within a month: the re-use review after the influence
                # period, the follow-up visit 90 days after the decision.
                reviewed = influence is not None and (self.today - influence).days > 30 and rng.random() < 0.95
                visit_due = decided_on + datetime.timedelta(days=90)
                visited = (self.today - visit_due).days > 30 and rng.random() < 0.95
                t_decision.add(
                    did,
                    cid,
                    commission_id,
                    tid,
                    "in_force" if in_force else "proposed",
                    form,
                    measures,
                    circumstance,
                    subject[1],
                    "依据问责条例作出处理。",
                    f"{node.short}纪委监委",
                    "县人民检察院" if form == 4 else "",
                    f"{node.prefix}移〔{initiated.year}〕{counters[key]}号" if form == 4 else "",
                    self.managing(subject),
                    self.pick(node, Role.INVESTIGATOR),
                    _stamp(self.clamp(initiated + datetime.timedelta(days=25)), 630),
                    supervisor if in_force else None,
                    decided_on if in_force else None,
                    decided_on if in_force else None,
                    self.clamp(decided_on + datetime.timedelta(days=3)) if in_force else None,
                    "",
                    self.clamp(decided_on + datetime.timedelta(days=20)) if implemented else None,
                    influence,
                    "may_be_used" if reviewed else "",
                    "影响期满，现实表现良好，可以使用。" if reviewed else "",
                    self.clamp(influence + datetime.timedelta(days=rng.randrange(20))) if reviewed else None,
                )
                if in_force:
                    t_visit.add(
                        vid,
                        did,
                        commission_id,
                        visit_due,
                        self.clamp(visit_due + datetime.timedelta(days=rng.randrange(25))) if visited else None,
                        "回访了解整改落实情况，问责对象已认识错误并整改。" if visited else "",
                        self.pick(node, Role.INVESTIGATOR) if visited else None,
                    )
                    vid += 1
                did += 1
            tid += 1
            cid += 1
        for table in tables:
            table.flush()
            self.counts[table.table] = table.total
        with connection.cursor() as cursor:
            for (commission_id, year), last in counters.items():
                cursor.execute(
                    "INSERT INTO accountability_casecounter (commission_id, year, last) VALUES (%s, %s, %s) "
                    "ON CONFLICT (commission_id, year) DO UPDATE SET last = GREATEST("
                    "accountability_casecounter.last, EXCLUDED.last)",
                    [commission_id, year, last],
                )


def generate(*, reports: int, seed: int = 1, log=print, **options) -> dict:
    return Generator(reports=reports, seed=seed, log=log, **options).run()
