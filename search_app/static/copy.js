// "Copy citation": puts the button's text on the clipboard. Without JavaScript the reference is still shown to select.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  try {
    await navigator.clipboard.writeText(button.dataset.copy);
    button.textContent = "Copied";
  } catch (error) {
    button.textContent = "Select the reference above to copy it";
  }
});
