// The public report form's automatic check (core/challenge.py): as soon as the page opens, a Web Worker
// (pow-worker.js) finds the proof of work, so sending is not delayed; a form sent before it is ready waits for it.
// Nothing is fetched: the challenge is in the page. Without scripts the <noscript> text tells what to do instead.
(function () {
  "use strict";
  var box = document.querySelector("[data-pow-challenge]");
  if (!box) return;
  var form = box.closest("form");
  var input = form.querySelector("input[name='" + box.dataset.powField + "']");
  var status = box.querySelector(".pow-status");
  var challenge = JSON.parse(box.dataset.powChallenge);
  var waiting = false;

  function say(message, state) {
    status.textContent = message;
    box.dataset.powState = state;
  }

  function failed() {
    say(box.dataset.msgFailed, "failed");
  }

  var worker;
  try {
    worker = new Worker(box.dataset.powWorker);
  } catch (error) {
    failed();
    return;
  }
  worker.onerror = failed;
  worker.onmessage = function (event) {
    if (event.data.number === null) {
      failed();
      return;
    }
    input.value = btoa(
      JSON.stringify({
        algorithm: challenge.algorithm,
        challenge: challenge.challenge,
        number: event.data.number,
        salt: challenge.salt,
        signature: challenge.signature,
      })
    );
    say(box.dataset.msgDone, "done");
    if (waiting) {
      if (form.requestSubmit) form.requestSubmit();
      else form.submit();
    }
  };
  say(box.dataset.msgWorking, "working");
  worker.postMessage(challenge);

  form.addEventListener("submit", function (event) {
    if (input.value) return;
    event.preventDefault();
    waiting = true;
    say(box.dataset.msgWaiting, "waiting");
  });
})();
