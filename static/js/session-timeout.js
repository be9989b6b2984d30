/* The session warning (templates/base.html, WCAG 2.2.1 "Timing Adjustable").
 *
 * The server logs staff out after SPORTLOKET_SESSION_IDLE_SECONDS without a request and after
 * SPORTLOKET_SESSION_ABSOLUTE_SECONDS in all. SPORTLOKET_SESSION_WARNING_SECONDS before the
 * earlier of the two, a modal dialog says when; "Stay logged in" (or Escape) posts to the
 * keep-alive URL, which starts the idle time again. The dialog never navigates: what was typed
 * in a form stays, also once the session has ended. Focus moves into the dialog when it opens
 * and back to where it was when it closes.
 *
 * Every tab of the site shares one session, so the tabs tell each other when the session was
 * used or extended (a BroadcastChannel, or the "storage" event where there is none): a page
 * loaded or "Stay logged in" chosen in one tab moves the end in the others too, and closes
 * their warning.
 */
(function () {
  "use strict";
  var dialog = document.getElementById("session-warning");
  if (!dialog || typeof dialog.showModal !== "function") {
    return;
  }
  // The server writes "last seen" at most once a minute: count an htmx request as a minute less.
  var TOUCH_EVERY = 60 * 1000;
  var idle = Number(dialog.dataset.idle) * 1000;
  var warn = Number(dialog.dataset.warn) * 1000;
  var idleEnd = Date.now() + Number(dialog.dataset.idleRemaining) * 1000;
  var absoluteEnd = Date.now() + Number(dialog.dataset.absoluteLeft) * 1000;
  var stay = dialog.querySelector("[data-session-stay]");
  var closeButton = dialog.querySelector("[data-session-close]");
  var loginLink = dialog.querySelector("[data-session-login]");
  var timer = null;
  var returnFocus = null;
  var ended = false;
  // The "cannot be extended" warning, once closed, is not shown again before the end.
  var dismissed = false;

  function end() {
    return Math.min(idleEnd, absoluteEnd);
  }

  function showState(state) {
    dialog.querySelectorAll("[data-session-state]").forEach(function (el) {
      el.hidden = el.dataset.sessionState !== state;
    });
    stay.hidden = state !== "idle";
    closeButton.hidden = state === "idle";
    loginLink.hidden = state !== "ended";
    var at = new Date(end()).toLocaleTimeString(document.documentElement.lang || undefined, {
      hour: "2-digit",
      minute: "2-digit",
    });
    dialog.querySelectorAll("[data-session-end]").forEach(function (el) {
      el.textContent = at;
    });
  }

  function open(state) {
    showState(state);
    if (!dialog.open) {
      returnFocus = document.activeElement;
      dialog.showModal();
    }
    var first = state === "idle" ? stay : state === "ended" ? loginLink : closeButton;
    first.focus();
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(check, Math.max(0, delay));
  }

  function check() {
    var left = end() - Date.now();
    if (left <= 0) {
      ended = true;
      open("ended");
      return;
    }
    if (left <= warn) {
      if (!dialog.open && !dismissed) {
        open(absoluteEnd <= idleEnd ? "absolute" : "idle");
      }
      schedule(left);
      return;
    }
    schedule(left - warn);
  }

  var CHANNEL = "sportloket-session";
  var channel = typeof BroadcastChannel === "function" ? new BroadcastChannel(CHANNEL) : null;

  function announce() {
    var message = { idleEnd: idleEnd, absoluteEnd: absoluteEnd };
    if (channel) {
      channel.postMessage(message);
      return;
    }
    try {
      window.localStorage.setItem(CHANNEL, JSON.stringify(message));
    } catch (error) {
      // Storage switched off: the tabs each keep their own count.
    }
  }

  function heard(message) {
    if (ended || !message || !(message.idleEnd > idleEnd)) {
      return;
    }
    idleEnd = message.idleEnd;
    absoluteEnd = Math.max(absoluteEnd, message.absoluteEnd || 0);
    if (dialog.open && !stay.hidden && end() - Date.now() > warn) {
      dialog.close(); // the close handler checks again
      return;
    }
    if (!dialog.open) {
      check();
    }
  }

  if (channel) {
    channel.onmessage = function (event) {
      heard(event.data);
    };
  } else {
    window.addEventListener("storage", function (event) {
      if (event.key === CHANNEL && event.newValue) {
        try {
          heard(JSON.parse(event.newValue));
        } catch (error) {
          // Not ours.
        }
      }
    });
  }

  function extend() {
    var body = new FormData();
    var token = dialog.ownerDocument.querySelector("input[name=csrfmiddlewaretoken]");
    fetch(dialog.dataset.keepaliveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "" },
      body: body,
    })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("json") !== -1;
        if (!response.ok || response.redirected || !json) {
          throw new Error("session ended");
        }
        return response.json();
      })
      .then(function (data) {
        idleEnd = Date.now() + data.idle_seconds * 1000;
        absoluteEnd = Date.now() + data.absolute_seconds * 1000;
        announce();
        dialog.close();
        check();
      })
      .catch(function () {
        ended = true;
        open("ended");
      });
  }

  stay.addEventListener("click", extend);
  closeButton.addEventListener("click", function () {
    dialog.close();
  });
  dialog.addEventListener("cancel", function (event) {
    // Escape is the simplest way out of a dialog: in the idle state it keeps the session.
    if (!stay.hidden) {
      event.preventDefault();
      extend();
    }
  });
  dialog.addEventListener("close", function () {
    if (returnFocus && typeof returnFocus.focus === "function") {
      returnFocus.focus();
    }
    if (!ended) {
      dismissed = stay.hidden;
      check();
    }
  });
  // A request to the server is activity: htmx requests on this page move the idle end.
  document.body.addEventListener("htmx:afterRequest", function () {
    if (!ended) {
      idleEnd = Math.max(idleEnd, Date.now() + idle - TOUCH_EVERY);
      announce();
      if (!dialog.open) {
        check();
      }
    }
  });
  announce(); // this page's request to the server was activity for the other tabs too
  check();
})();
