// The Create page's image drop zone, beyond the mouse: delegated listeners, so a zone Blazor renders later works with
// no setup. Both hand the file to the page's own file input, so a picked, dropped, typed-at or pasted image takes the
// one path (its checks, its messages).
(() => {
  // MudFileUpload adds a fresh input after each pick and hides the used one (kept, as its file is still being read):
  // the last is the one it listens to next. Clicking a used one again may open no picker at all.
  const fileInput = () => [...document.querySelectorAll('#create-page input[type=file]')].at(-1);

  // Enter or Space on the focused zone opens the picker, as on a button. Clicked here, in the key's own event, so the
  // browser sees the user's gesture.
  document.addEventListener('keydown', (e) => {
    if (!e.target?.classList?.contains('drop-zone') || (e.key !== 'Enter' && e.key !== ' ') || e.ctrlKey || e.metaKey) return;
    const input = fileInput();
    if (!input) return;
    e.preventDefault();
    input.click();
  });

  // An image pasted anywhere on the page (a screenshot, "copy image") is taken as if chosen; text pasted into a
  // field stays text.
  document.addEventListener('paste', (e) => {
    const input = fileInput();
    const file = [...(e.clipboardData?.files ?? [])].find((f) => f.type.startsWith('image/'));
    if (!input || !file) return;
    e.preventDefault();
    const files = new DataTransfer();
    files.items.add(file.name ? file : new File([file], 'pasted image.png', { type: file.type }));
    input.files = files.files;
    input.dispatchEvent(new Event('change', { bubbles: true }));
  });
})();
