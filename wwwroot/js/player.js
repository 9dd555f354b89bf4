// Frame stepping for FrameStepPlayer: delegated listeners, so players Blazor renders later work with no setup.
(() => {
  const playerOf = (el) => el?.closest?.('.video-stepper');
  const facts = (player) => ({ fps: Number(player.dataset.fps) || 1, frames: Number(player.dataset.frames) || 1 });
  // A frame is on screen for [k/fps, (k+1)/fps); the small epsilon keeps a seek to k/fps from reading as k-1.
  const frameAt = (video, fps, frames) => Math.min(frames - 1, Math.max(0, Math.floor(video.currentTime * fps + 1e-3)));
  const showFrame = (player) => {
    const video = player.querySelector('video');
    const label = player.querySelector('[data-frame-label]');
    if (!video || !label) return;
    const { fps, frames } = facts(player);
    label.textContent = `Frame ${frameAt(video, fps, frames) + 1} / ${frames}`;
  };
  const step = (player, delta) => {
    const video = player.querySelector('video');
    if (!video) return;
    const { fps, frames } = facts(player);
    video.pause();
    const next = Math.min(frames - 1, Math.max(0, frameAt(video, fps, frames) + delta));
    // The middle of the frame, so decoders that round the seek either way still show this one.
    video.currentTime = (next + 0.5) / fps;
    const label = player.querySelector('[data-frame-label]');
    if (label) label.textContent = `Frame ${next + 1} / ${frames}`;
  };
  document.addEventListener('click', (e) => {
    const button = e.target.closest?.('[data-step]');
    const player = playerOf(button);
    if (!player) return;
    e.preventDefault();
    step(player, Number(button.dataset.step));
  });
  // Capture phase: the native controls would otherwise seek by seconds on the arrow keys.
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    const player = playerOf(e.target);
    if (!player) return;
    e.preventDefault();
    e.stopPropagation();
    step(player, e.key === 'ArrowRight' ? 1 : -1);
  }, true);
  for (const type of ['timeupdate', 'seeked']) {
    document.addEventListener(type, (e) => { const player = playerOf(e.target); if (player) showFrame(player); }, true);
  }
})();
