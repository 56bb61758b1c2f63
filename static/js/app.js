// Small enhancements of the server-rendered pages; every page works without them.

// <button data-copy="#selector"> copies the text of the element it names.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  const showDone = () => { button.textContent = "Copied"; };
  if (navigator.clipboard) {
    navigator.clipboard.writeText(source.textContent.trim()).then(showDone);
  } else {
    window.getSelection().selectAllChildren(source);
  }
});

// <form data-confirm="…"> asks before it is sent.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});

// <input type="checkbox" data-check-all="name"> ticks or unticks every checkbox of that name in its form.
document.addEventListener("change", (event) => {
  const name = event.target.dataset && event.target.dataset.checkAll;
  if (!name) return;
  for (const box of event.target.form.querySelectorAll(`input[type="checkbox"][name="${name}"]`)) {
    box.checked = event.target.checked;
  }
});
