// A page script: `window` is the page's global here, as in Electron.
// deno-lint-ignore-file no-window
const setButton = document.getElementById("btn");
const titleInput = document.getElementById("title");
setButton.addEventListener("click", () => {
  const title = titleInput.value;
  window.electronAPI.setTitle(title);
});
