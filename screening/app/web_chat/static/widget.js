/* The needs check chat widget. Embed with one tag:
 *   <script src="https://APP/chat/widget.js" data-language="es" data-exit-url="https://..."></script>
 * Plain JavaScript, no framework. Everything the person sees is built with textContent (never
 * innerHTML). Nothing is written to localStorage, sessionStorage, IndexedDB or cookies: the
 * session token lives in this closure only. The words are in strings.json (filled in below
 * by the server). */
(function () {
  "use strict";

  var CONFIG = __WIDGET_CONFIG__;
  var script = document.currentScript;
  if (!script || !script.src) { return; }
  var ORIGIN = new URL(script.src, location.href).origin;
  var API = ORIGIN + "/chat/api";
  var STRINGS = CONFIG.strings;
  var LINK = /(https:\/\/[^\s<>"]+|tel:\+?[0-9][0-9().\-]*[0-9]|sms:\+?[0-9][0-9().\-]*[0-9]|(?:\b1-)?\b[0-9]{3}-[0-9]{3}-[0-9]{4}\b|\b(?:911|988|211)\b)/g;
  var PHONE_NUMBER = /^(?:1-)?[0-9]{3}-[0-9]{3}-[0-9]{4}$|^(?:911|988|211)$/;
  var SHIFT_PRESSES = 3;
  var SHIFT_WINDOW_MS = 1500;
  var POLL_MS = 4000;        // how often an open chat asks for words from a trained person

  var language = STRINGS[script.dataset.language] ? script.dataset.language : "en";
  var exitUrl = httpUrl(script.dataset.exitUrl) || httpUrl(CONFIG.exitUrl) || "about:blank";
  var token = null;          // in memory only
  var pending = null;        // {id, text}: a message not yet accepted; a retry reuses its id
  var busy = false;
  var leaving = false;
  var shiftTimes = [];
  var labelled = [];         // [element, key, attribute] to relabel on a language switch
  var nextId = 0;
  var withStaff = false;     // a trained person holds the conversation: the assistant is quiet
  var pollTimer = null;

  function httpUrl(value) {
    if (!value) { return null; }
    try {
      var url = new URL(value, location.href);
      return (url.protocol === "https:" || url.protocol === "http:") ? url.href : null;
    } catch (e) { return null; }
  }

  function t(key) { return STRINGS[language][key]; }

  function uid(prefix) { nextId += 1; return "sc-" + prefix + "-" + nextId; }

  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      var value = attributes[name];
      if (name === "text") { node.textContent = value; }
      else if (name === "label") { labelled.push([node, value, null]); node.textContent = t(value); }
      else if (name.indexOf("label:") === 0) {
        labelled.push([node, value, name.slice(6)]); node.setAttribute(name.slice(6), t(value));
      }
      else if (value === true) { node.setAttribute(name, ""); }
      else if (value !== false && value !== null && value !== undefined) { node.setAttribute(name, value); }
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  function randomId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // ------------------------------------------------------------------ the widget's parts
  if (!document.querySelector("link[data-screening-chat]")) {
    document.head.appendChild(el("link", {rel: "stylesheet", href: ORIGIN + "/chat/static/widget.css",
                                          "data-screening-chat": true}));
  }

  var headingId = uid("heading");
  var inputId = uid("input");
  var codeInputId = uid("code");
  var codeHintId = uid("code-hint");
  var progressLabelId = uid("progress");

  var progressText = el("span", {id: progressLabelId, "class": "sc-progress-text"});
  var progressBar = el("progress", {"aria-labelledby": progressLabelId});
  var progress = el("div", {"class": "sc-progress", hidden: true}, [progressText, progressBar]);
  var leaveButton = el("button", {type: "button", "class": "sc-leave", label: "leave"});
  // The language control: every language the screening speaks, each in its own name.
  var languageSelect = el("select", {"class": "sc-language", "label:aria-label": "language_label"},
    Object.keys(STRINGS).map(function (code) {
      return el("option", {value: code, lang: code, text: STRINGS[code].language_name});
    }));
  var heading = el("h2", {id: headingId, "class": "sc-heading", label: "widget_label"});
  var header = el("div", {"class": "sc-header"}, [
    el("div", {"class": "sc-header-row"}, [heading, languageSelect]),
    leaveButton,
    el("p", {"class": "sc-leave-hint", label: "leave_hint"}),
    progress
  ]);

  var codeValue = el("strong", {"class": "sc-code-value"});
  var hideCodeButton = el("button", {type: "button", "class": "sc-link-button", label: "hide_code"});
  var codeNote = el("div", {"class": "sc-code", hidden: true}, [
    el("p", {}, [el("span", {label: "code_note"}), document.createTextNode(" "), codeValue]),
    el("p", {label: "code_note_after"}),
    hideCodeButton
  ]);

  var startButton = el("button", {type: "button", "class": "sc-primary", label: "start"});
  var codeInput = el("input", {id: codeInputId, type: "text", autocomplete: "off", autocapitalize: "characters",
                               spellcheck: "false", "aria-describedby": codeHintId, maxlength: "20"});
  var resumeForm = el("form", {"class": "sc-resume", novalidate: true}, [
    el("h3", {"class": "sc-subheading", label: "resume_heading"}),
    el("label", {"for": codeInputId, label: "resume_label"}),
    el("p", {id: codeHintId, "class": "sc-hint", label: "resume_hint"}),
    el("div", {"class": "sc-row"}, [codeInput, el("button", {type: "submit", label: "resume_button"})])
  ]);
  var startPanel = el("div", {"class": "sc-start"}, [
    el("p", {label: "intro"}),
    el("p", {"class": "sc-hint", label: "shared_computer"}),
    startButton
  ]);

  var log = el("div", {"class": "sc-log", role: "log", "aria-live": "polite", "label:aria-label": "log_label",
                       hidden: true});
  var typing = el("p", {"class": "sc-typing", role: "status"});
  var staffNote = el("p", {"class": "sc-staff-note", role: "status", label: "with_staff", hidden: true});
  var options = el("div", {"class": "sc-options", role: "group", "label:aria-label": "options_label"});
  var quick = el("div", {"class": "sc-quick", role: "group", "label:aria-label": "quick_label"});
  var error = el("p", {"class": "sc-error", role: "alert"});
  var input = el("textarea", {id: inputId, rows: "2", autocomplete: "off", maxlength: "1000"});
  var sendButton = el("button", {type: "submit", "class": "sc-primary", label: "send"});
  var composer = el("form", {"class": "sc-composer", novalidate: true, hidden: true}, [
    el("label", {"for": inputId, label: "input_label"}),
    el("div", {"class": "sc-row"}, [input, sendButton])
  ]);

  var root = el("section", {"class": "sc-widget", "aria-labelledby": headingId, lang: language}, [
    header, codeNote, startPanel, log, staffNote, typing, options, quick, error, composer, resumeForm
  ]);
  var mountPoint = document.getElementById(script.dataset.target || "");
  if (mountPoint) { mountPoint.appendChild(root); }
  else { script.parentNode.insertBefore(root, script.nextSibling); }

  function relabel() {
    root.setAttribute("lang", language);
    labelled.forEach(function (entry) {
      if (entry[2]) { entry[0].setAttribute(entry[2], t(entry[1])); } else { entry[0].textContent = t(entry[1]); }
    });
    languageSelect.value = language;
    if (busy) { typing.textContent = t(withStaff ? "sending" : "typing"); }
  }
  relabel();

  // ------------------------------------------------------------------ talking to the app
  function call(path, body) {
    var headers = {"content-type": "application/json"};
    if (token) { headers["x-chat-token"] = token; }
    return fetch(API + path, {method: "POST", headers: headers, body: JSON.stringify(body),
                              credentials: "omit", cache: "no-store", mode: "cors"})
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          return {status: response.status, ok: response.ok, data: data};
        });
      }, function () { return {status: 0, ok: false, data: {}}; });
  }

  function setBusy(value) {
    busy = value;
    typing.textContent = value ? t(withStaff ? "sending" : "typing") : "";
    typing.classList.toggle("sc-typing-on", value);
    log.setAttribute("aria-busy", value ? "true" : "false");
  }

  function showError(text) { error.textContent = text || ""; }

  function failed(result) {
    if (result.status === 401) {
      token = null;
      stopPolling();
      showError(t("error_session"));
      clearChoices();
      resumeForm.hidden = false;
    } else if (result.status === 0 || result.status >= 500) {
      showError(t("error_unreachable"));
    } else if (result.status === 429) {
      showError(t("error_busy"));
    } else {
      showError(result.data.error || t("error_generic"));
    }
  }

  // ------------------------------------------------------------------ rendering (text only)
  function appendText(parent, text) {
    var last = 0;
    text.replace(LINK, function (match, _url, offset) {
      var url = match.replace(/[.,;:!?)\]]+$/, "");
      if (offset > last) { parent.appendChild(document.createTextNode(text.slice(last, offset))); }
      // A phone number as the assistant writes it ("833-773-2445", "988") is a tap-to-call link
      // that shows the number itself; anything else links only as https:, tel: or sms:.
      var href = PHONE_NUMBER.test(url) ? "tel:" + url.replace(/-/g, "") : url;
      var link = el("a", {href: href, "class": "sc-link", text: url});
      if (url.indexOf("https:") === 0) { link.setAttribute("target", "_blank"); link.setAttribute("rel", "noopener noreferrer"); }
      parent.appendChild(link);
      last = offset + url.length;
      return match;
    });
    if (last < text.length) { parent.appendChild(document.createTextNode(text.slice(last))); }
  }

  function displayedText(message) {
    // The options are buttons here: leave out the "2 Sometimes true" lines the text carries for SMS.
    var optionLines = (message.buttons || []).map(function (b) { return b.payload + " " + b.title; });
    return message.text.split("\n").filter(function (line) { return optionLines.indexOf(line) < 0; }).join("\n");
  }

  function addMessage(who, text) {
    var body = el("p", {"class": "sc-text"});
    appendText(body, text);
    // Who wrote it: said to screen readers; a trained person's words also say so on screen.
    var label = who === "staff" ? el("span", {"class": "sc-who", text: t("staff") + " "})
                                : el("span", {"class": "sc-visually-hidden", text: t(who === "you" ? "you" : "assistant") + " "});
    var message = el("div", {"class": "sc-message sc-from-" + who}, [label, body]);
    log.appendChild(message);
    return message;
  }

  function addNote(text) {
    log.appendChild(el("p", {"class": "sc-note", text: text}));
  }

  function clearChoices() { options.replaceChildren(); quick.replaceChildren(); }

  function choiceButton(title, text, className) {
    var button = el("button", {type: "button", "class": className, text: title});
    button.addEventListener("click", function () { send(text, true, title); });
    return button;
  }

  // "Pick all that fit": each option toggles (aria-pressed), then one button sends them together.
  function toggleButton(b) {
    var button = el("button", {type: "button", "class": "sc-option", "aria-pressed": "false", text: b.title,
                               "data-payload": b.payload});
    button.addEventListener("click", function () {
      button.setAttribute("aria-pressed", button.getAttribute("aria-pressed") === "true" ? "false" : "true");
      showError("");
    });
    return button;
  }

  function sendChoicesButton() {
    var button = el("button", {type: "button", "class": "sc-primary sc-send-choices", label: "send_choices"});
    button.addEventListener("click", function () {
      var picked = Array.prototype.slice.call(options.querySelectorAll('[aria-pressed="true"]'));
      if (!picked.length) { showError(t("error_pick_one")); return; }
      send(picked.map(function (p) { return p.getAttribute("data-payload"); }).join(" "), true,
           picked.map(function (p) { return p.textContent; }).join(", "));
    });
    return button;
  }

  function showReply(view, focusChoices) {
    if (view.language && view.language !== language && STRINGS[view.language]) {
      language = view.language;
      relabel();
    }
    setWithStaff(Boolean(view.with_staff));
    var lastButtons = [];
    var firstNew = null;
    (view.messages || []).forEach(function (message) {
      var shown = addMessage(message.from === "staff" ? "staff" : "assistant", displayedText(message));
      firstNew = firstNew || shown;
      lastButtons = message.buttons || [];
    });
    clearChoices();
    var several = Boolean(view.pick_several) && lastButtons.length > 0;
    lastButtons.forEach(function (b) {
      options.appendChild(several ? toggleButton(b) : choiceButton(b.title, b.payload, "sc-option"));
    });
    if (several) { options.appendChild(sendChoicesButton()); }
    (view.quick_answers || []).forEach(function (kind) {
      quick.appendChild(choiceButton(t("quick")[kind], t("quick_send")[kind], "sc-quick-answer"));
    });
    if (view.finished) { progress.hidden = true; }
    else if (view.progress) {
      progress.hidden = false;
      progressText.textContent = t("progress").replace("{number}", view.progress.number)
                                              .replace("{total}", view.progress.total);
      progressBar.max = view.progress.total;
      progressBar.value = view.progress.number;
    }
    // Bring the new words into view (the sticky header leaves room above them); focus stays put.
    if (firstNew && firstNew.scrollIntoView) { firstNew.scrollIntoView({block: "start"}); }
    if (focusChoices) {
      var first = options.querySelector("button") || quick.querySelector("button");
      (first || input).focus();
    }
  }

  function setWithStaff(value) {
    withStaff = value;
    staffNote.hidden = !value;
  }

  // While the chat is open, words a trained person sends (and the assistant's, when they hand
  // back) appear by themselves. Asking does not keep the session alive: it still ends when idle.
  function schedulePoll() {
    stopPolling();
    pollTimer = window.setTimeout(poll, POLL_MS);
  }

  function stopPolling() {
    if (pollTimer) { window.clearTimeout(pollTimer); pollTimer = null; }
  }

  function poll() {
    pollTimer = null;
    if (!token || leaving) { return; }
    if (busy) { schedulePoll(); return; }
    call("/poll", {}).then(function (result) {
      if (!token || leaving) { return; }
      if (result.status === 401) { failed(result); return; }
      if (result.ok) {
        if ((result.data.messages || []).length) { showReply(result.data, false); }
        else { setWithStaff(Boolean(result.data.with_staff)); }
      }
      schedulePoll();
    });
  }

  function opened(view) {
    token = view.token;
    schedulePoll();
    startPanel.hidden = true;
    resumeForm.hidden = true;
    log.hidden = false;
    composer.hidden = false;
    showError("");
    if (view.resume_code) {
      codeValue.textContent = view.resume_code;
      codeNote.hidden = false;
    }
  }

  // ------------------------------------------------------------------ what the person does
  function start() {
    if (busy) { return; }
    setBusy(true);
    call("/conversations", {language: language}).then(function (result) {
      setBusy(false);
      if (!result.ok) { failed(result); return; }
      opened(result.data);
      showReply(result.data, false);
      input.focus();
    });
  }

  function resume(event) {
    event.preventDefault();
    if (busy) { return; }
    var code = codeInput.value;
    if (!code.trim()) { showError(t("error_empty")); codeInput.focus(); return; }
    setBusy(true);
    token = null;
    call("/resume", {code: code}).then(function (result) {
      setBusy(false);
      if (!result.ok) { failed(result); codeInput.focus(); return; }
      codeInput.value = "";
      opened(result.data);
      addNote(t("resumed"));
      showReply(result.data, false);
      input.focus();
    });
  }

  // `shown` is what the person's side of the log says (a button's title rather than its number).
  function send(text, fromChoice, shown) {
    if (busy || leaving) { return; }
    if (!token) { failed({status: 401, data: {}}); return; }
    if (!text.trim()) { showError(t("error_empty")); input.focus(); return; }
    var id = (pending && pending.text === text) ? pending.id : randomId();
    pending = {id: id, text: text};
    setBusy(true);
    call("/messages", {message_id: id, text: text}).then(function (result) {
      setBusy(false);
      if (!result.ok) { failed(result); return; }
      pending = null;
      showError("");
      addMessage("you", shown || text);
      if (!fromChoice && input.value === text) { input.value = ""; }
      showReply(result.data, fromChoice);
    });
  }

  function switchLanguage() {
    if (!STRINGS[languageSelect.value] || languageSelect.value === language) { return; }
    language = languageSelect.value;
    relabel();
    if (token) { send(t("language_command"), false); }
  }

  function quickExit() {
    if (leaving) { return; }
    leaving = true;
    var ending = token;
    token = null;
    stopPolling();
    root.replaceChildren();
    document.documentElement.classList.add("sc-leaving");
    document.title = "";
    if (ending) {
      var body = JSON.stringify({token: ending});
      var queued = false;
      try { queued = navigator.sendBeacon(API + "/exit", new Blob([body], {type: "text/plain"})); } catch (e) { queued = false; }
      if (!queued) {
        fetch(API + "/exit", {method: "POST", body: body, keepalive: true, credentials: "omit",
                              headers: {"content-type": "text/plain"}}).catch(function () {});
      }
    }
    location.replace(exitUrl);
  }

  startButton.addEventListener("click", start);
  resumeForm.addEventListener("submit", resume);
  composer.addEventListener("submit", function (event) { event.preventDefault(); send(input.value, false); });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send(input.value, false);
    }
  });
  input.addEventListener("input", function () { if (pending && pending.text !== input.value) { pending = null; } });
  hideCodeButton.addEventListener("click", function () { codeNote.hidden = true; heading.setAttribute("tabindex", "-1"); heading.focus(); });
  languageSelect.addEventListener("change", switchLanguage);
  leaveButton.addEventListener("click", quickExit);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Shift") { shiftTimes = []; return; }
    if (event.repeat) { return; }
    var now = Date.now();
    shiftTimes = shiftTimes.filter(function (time) { return now - time < SHIFT_WINDOW_MS; });
    shiftTimes.push(now);
    if (shiftTimes.length >= SHIFT_PRESSES) { quickExit(); }
  }, true);
  // Leaving the page in any other way: nothing to restore from the back-forward cache.
  window.addEventListener("pagehide", function () { root.replaceChildren(); });
})();
