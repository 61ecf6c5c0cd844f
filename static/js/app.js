// Behaviour every page shares. It lives here rather than in onchange/onsubmit attributes, which
// the Content-Security-Policy forbids (script-src 'self', no inline handlers).

// <select data-autosubmit>: choosing an option submits its form (the firm switcher, filters).
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-autosubmit]");
  if (field && field.form) field.form.requestSubmit();
});

// <form data-confirm="Question?">: ask first; cancelling sends nothing.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.matches("form[data-confirm]") && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});
