// The dashboard works without this file; with it, a key or secret shown
// once gets a Copy button.
document.querySelectorAll('button[data-copy]').forEach((button) => {
  const field = document.getElementById(button.dataset.copy);
  if (!field || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(field.value);
      button.textContent = 'Copied';
    } catch (e) {
      field.select();
      button.textContent = 'Select and copy';
    }
  });
});

// A page that follows work in progress reloads itself every few seconds
// (without this file, <noscript>'s meta refresh does it), and can be
// paused.
const refresh = document.querySelector('meta[name="kc-refresh"]');
if (refresh) {
  const seconds = Math.max(1, Number(refresh.content) || 5);
  const timer = setTimeout(() => window.location.reload(), seconds * 1000);
  const pause = document.getElementById('refresh-pause');
  if (pause) {
    pause.hidden = false;
    pause.addEventListener('click', () => {
      clearTimeout(timer);
      pause.textContent = 'Paused: reload the page to go on';
      pause.disabled = true;
    });
  }
}
