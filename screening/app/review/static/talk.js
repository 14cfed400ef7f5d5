/* The case page, live: new lines of the conversation appear without a reload (the page asks
 * /review/cases/<id>/conversation every few seconds), and a saved reply fills the reply box.
 * Served from 'self' (no inline script); every text is set with textContent. */
(function () {
  "use strict";

  var POLL_MS = 4000;
  var transcript = document.getElementById("transcript");
  var state = document.getElementById("talk-state");
  var live = document.getElementById("talk-live");
  var box = document.getElementById("reply-text");
  var savedField = document.getElementById("reply-saved");

  // Saved replies: the words go into the box to read and change; a blank (___) is selected.
  Array.prototype.forEach.call(document.querySelectorAll("[data-saved-reply]"), function (button) {
    button.addEventListener("click", function () {
      if (!box) { return; }
      box.value = button.getAttribute("data-text");
      if (savedField) { savedField.value = button.getAttribute("data-saved-reply"); }
      box.focus();
      var blank = box.value.indexOf("___");
      if (blank >= 0) { box.setSelectionRange(blank, blank + 3); }
    });
  });
  if (box && savedField) {
    box.addEventListener("input", function () { if (!box.value) { savedField.value = ""; } });
  }

  if (!transcript || !transcript.getAttribute("data-poll-url")) { return; }
  var url = transcript.getAttribute("data-poll-url");
  var last = Number(transcript.getAttribute("data-last-id") || 0);
  var heldBy = state ? state.getAttribute("data-held-by") || "" : "";
  var stopped = false;

  function say(text) { if (live) { live.textContent = text; } }

  function addLine(line) {
    var item = document.createElement("li");
    item.className = (line.kind === "person" ? "from-person" : "to-person") + " by-" + line.kind;
    item.setAttribute("data-id", String(line.id));
    var meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = line.who + " · " + line.channel + " · " + line.at;
    var body = document.createElement("span");
    body.className = "body";
    body.textContent = line.text;
    item.appendChild(meta);
    item.appendChild(body);
    transcript.appendChild(item);
  }

  function stop(text) {
    stopped = true;
    say(text);
  }

  function poll() {
    if (stopped) { return; }
    fetch(url + "?after=" + last, {credentials: "same-origin", cache: "no-store", redirect: "manual",
                                   headers: {accept: "application/json"}})
      .then(function (response) {
        if (response.type === "opaqueredirect" || response.status === 0 || (response.status >= 300 && response.status < 400)) {
          stop("You were signed out. Reload the page to sign in again; new messages are not shown until then.");
          return null;
        }
        if (!response.ok) {
          stop("New messages cannot be shown right now. Reload the page.");
          return null;
        }
        return response.json();
      })
      .then(function (data) {
        if (!data) { return; }
        var fromPerson = 0;
        (data.lines || []).forEach(function (line) {
          if (line.id > last) {
            addLine(line);
            last = line.id;
            if (line.kind === "person") { fromPerson += 1; }
          }
        });
        if (fromPerson) { say(fromPerson === 1 ? "New message from the person." : fromPerson + " new messages from the person."); }
        var now = data.held_by || "";
        if (now !== heldBy && state) {
          state.textContent = (now ? now + " is talking with this person now." : "The assistant is answering this person now.") +
            " Reload the page to see what you can do.";
          heldBy = now;
        }
        window.setTimeout(poll, POLL_MS);
      }, function () {
        window.setTimeout(poll, POLL_MS * 2);
      });
  }

  window.setTimeout(poll, POLL_MS);
})();
