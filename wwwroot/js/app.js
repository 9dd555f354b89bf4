// Small browser helpers called through JS interop.
window.svdweb = {
  copyText: async (text) => { await navigator.clipboard.writeText(text); return true; },
};
