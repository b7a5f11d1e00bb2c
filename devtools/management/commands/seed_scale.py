"""Fill PostgreSQL with scale data for benchmarks: `manage.py seed_scale --reports 1000000 [--seed 1]`."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection


class Command(BaseCommand):
    help = "Generate a province's worth of internally consistent case data with COPY (see devtools/scale/)."

    def add_arguments(self, parser):
        parser.add_argument("--reports", type=int, required=True, help="How many reports to add.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed; the same seed gives the same data.")
        parser.add_argument("--check", type=int, default=0, help="Afterwards, validate this many sampled rows.")
        parser.add_argument(
            "--keep-indexes",
            action="store_true",
            help="Load with the secondary indexes in place (default below 50,000 reports).",
        )

    def handle(self, *args, reports, seed, check, keep_indexes, **options):
        if connection.vendor != "postgresql":
            raise CommandError("seed_scale writes with COPY and needs PostgreSQL (set DATABASE_URL).")
        if reports < 1:
            raise CommandError("--reports must be positive.")
        from devtools.scale.checker import check_sample
        from devtools.scale.generator import generate

        rebuild = False if keep_indexes else None
        counts = generate(reports=reports, seed=seed, log=self.stdout.write, rebuild_indexes=rebuild)
        for table, count in counts.items():
            self.stdout.write(f"{table}: {count}")
        if check:
            problems = check_sample(size=check, seed=seed)
            for problem in problems[:50]:
                self.stderr.write(problem)
            if problems:
                raise CommandError(f"{len(problems)} rows break the model rules.")
            self.stdout.write(f"checked a sample of {check} rows per model: all rules hold")
