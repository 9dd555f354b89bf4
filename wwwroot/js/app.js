// Small browser helpers called through JS interop.
window.svdweb = {
  copyText: async (text) => { await navigator.clipboard.writeText(text); return true; },
  // The dark-mode choice of this browser; none stored means "follow the OS". Storage may be off (private modes).
  getTheme: () => { try { return localStorage.getItem('svdweb.theme'); } catch { return null; } },
  setTheme: (theme) => { try { localStorage.setItem('svdweb.theme', theme); } catch { /* kept for this page only */ } },
  // A UTC instant (ISO 8601) in this browser's locale and time zone, for the LocalTime component. Styles are
  // LocalTimeFormat's names; Auto drops the date when the instant is on the viewer's today.
  formatTime: (iso, style) => {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return null;
    const sameDay = (a, b) => a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
    const options = {
      DateTime: { dateStyle: 'medium', timeStyle: 'short' },
      DateTimeSeconds: { dateStyle: 'medium', timeStyle: 'medium' },
      Time: { timeStyle: 'short' },
      Auto: sameDay(date, new Date()) ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' },
    }[style] ?? { dateStyle: 'medium', timeStyle: 'short' };
    return new Intl.DateTimeFormat(undefined, options).format(date);
  },
};

// A `muted` attribute that Blazor adds with setAttribute only sets defaultMuted, not muted (the HTML parser sets both),
// so Chrome blocks the video's autoplay. Every muted video really starts muted, and an autoplay one then plays.
document.addEventListener('loadstart', (e) => {
  const video = e.target;
  if (!(video instanceof HTMLVideoElement) || !video.hasAttribute('muted')) return;
  video.muted = true;
  if (video.autoplay) video.play().catch(() => { /* the user may still press play */ });
}, true);
