// rekey console: a little progressive JavaScript. Every page works
// without it; with it, forms ask before destructive changes, the rotation
// schedule previews as it is typed, and a running rotation's timeline
// updates itself.
"use strict";

// Fetches a piece of the console. A redirect means the session ended:
// the page is loaded again, which takes the browser to sign in.
const piece = (url) =>
  fetch(url, { credentials: "same-origin", redirect: "manual" }).then((r) => {
    if (r.type === "opaqueredirect") {
      location.reload();
      return Promise.reject(new Error("signed out"));
    }
    return r.text().then((text) => ({ ok: r.ok, text }));
  });

document.addEventListener("DOMContentLoaded", () => {
  // Confirm destructive actions (the form says what in data-confirm).
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (e) => {
      if (!window.confirm(form.dataset.confirm)) e.preventDefault();
    });
  }

  // Live preview of the next rotation windows as the rules are typed.
  const rules = document.querySelector("form[data-preview]");
  if (rules) {
    const out = document.getElementById("preview");
    let timer = null;
    const refresh = () => {
      const params = new URLSearchParams();
      for (const name of ["id", "days", "expression", "duration"]) {
        const field = rules.elements.namedItem(name);
        if (field) params.set(name, field.value);
      }
      piece(rules.dataset.preview + "?" + params.toString())
        .then(({ text }) => { out.innerHTML = text; })
        .catch(() => {});
    };
    rules.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(refresh, 250); });
  }

  // A timeline that is still running reloads its fragment every second.
  const live = document.querySelector("[data-live]");
  if (live) {
    const poll = () => {
      piece(live.dataset.live)
        .then(({ ok, text }) => {
          if (!ok) return Promise.reject(new Error("refused"));
          live.innerHTML = text;
          if (live.querySelector("[data-running]")) setTimeout(poll, 1000);
          else settle();
        })
        .catch(() => setTimeout(poll, 3000));
    };
    // Once it settles, the facts above it (last rotated, next window)
    // are read again from the page itself.
    const settle = () => {
      live.dataset.settled = "1";
      const facts = document.getElementById("facts");
      if (!facts) return;
      piece(location.href)
        .then(({ ok, text }) => {
          const fresh = ok && new DOMParser().parseFromString(text, "text/html").getElementById("facts");
          if (fresh) facts.replaceWith(fresh);
        })
        .catch(() => {});
    };
    if (live.querySelector("[data-running]")) setTimeout(poll, 1000);
  }
});
