// Progressive enhancements only: every page works without this file.
// Copy buttons: <button data-copy-target="#id">Copy</button> copies that element's text.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy-target]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copyTarget);
  if (!source) return;
  const text = "value" in source ? source.value : source.textContent;
  const label = button.textContent;
  try {
    await navigator.clipboard.writeText(text.trim());
    button.textContent = "Copied";
  } catch {
    if ("select" in source) source.select();
    button.textContent = "Press Ctrl+C to copy";
  }
  setTimeout(() => { button.textContent = label; }, 2000);
});

// Copy buttons start hidden so readers without JavaScript never meet a dead button.
for (const button of document.querySelectorAll("[data-copy-target][hidden]")) {
  if (navigator.clipboard) button.hidden = false;
}
// htmx leaves 4xx and 5xx answers unswapped; a form marked data-swap-errors shows 4xx and
// 503 answers in place, because there the answer is the form again with its message.
document.addEventListener("htmx:beforeSwap", (event) => {
  const status = event.detail.xhr.status;
  const explained = (status >= 400 && status < 500) || status === 503;
  if (explained && event.detail.requestConfig.elt.closest("[data-swap-errors]")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
