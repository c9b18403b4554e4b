// rekey console: a little progressive JavaScript. Every page works
// without it; with it, forms ask before destructive changes, the rotation
// schedule previews as it is typed, and a running rotation's timeline
// updates itself.
"use strict";

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
      fetch(rules.dataset.preview + "?" + params.toString(), { credentials: "same-origin" })
        .then((r) => r.text())
        .then((html) => { out.innerHTML = html; })
        .catch(() => {});
    };
    rules.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(refresh, 250); });
  }

  // A timeline that is still running reloads its fragment every second.
  const live = document.querySelector("[data-live]");
  if (live) {
    const poll = () => {
      fetch(live.dataset.live, { credentials: "same-origin" })
        .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
        .then((html) => {
          live.innerHTML = html;
          if (live.querySelector("[data-running]")) setTimeout(poll, 1000);
          else live.dataset.settled = "1";
        })
        .catch(() => setTimeout(poll, 3000));
    };
    if (live.querySelector("[data-running]")) setTimeout(poll, 1000);
  }
});
