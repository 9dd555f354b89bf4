// The sweep page's grid plays as one: one play/pause, one scrub slider and frame steps for every cell. The clock is a
// frame position, not seconds: cells may differ in fps (an fps sweep), so each video runs at playbackRate
// fps/masterFps and is pulled back whenever it drifts half a frame from the first video, which leads. Delegated
// listeners, so cells Blazor renders later (a cell that just finished) join with no setup.
(() => {
  const gridOf = (el) => el?.closest?.('.sweep-grid');
  const videos = (grid) => [...grid.querySelectorAll('video.sweep-video')];
  const fpsOf = (video) => Number(video.dataset.fps) || 1;
  const framesOf = (grid) => Number(grid.dataset.frames) || 1;
  // A frame is on screen for [k/fps, (k+1)/fps); the epsilon keeps a seek to k/fps from reading as k-1.
  const frameOf = (video) => Math.floor(video.currentTime * fpsOf(video) + 1e-3);
  const position = (grid) => {
    const lead = videos(grid)[0];
    return lead ? Math.min(framesOf(grid) - 1, Math.max(0, frameOf(lead))) : 0;
  };
  const show = (grid, frame) => {
    const label = grid.querySelector('[data-sweep-label]');
    if (label) label.textContent = `Frame ${frame + 1} / ${framesOf(grid)}`;
    const scrub = grid.querySelector('[data-sweep="scrub"]');
    if (scrub && document.activeElement !== scrub) scrub.value = String(frame);
  };
  // Every cell on the same frame, paused: the middle of the frame, so decoders that round a seek either way agree.
  const seekAll = (grid, frame) => {
    grid.dataset.playing = '';
    const last = framesOf(grid) - 1;
    const target = Math.min(last, Math.max(0, frame));
    for (const video of videos(grid)) {
      video.pause();
      video.currentTime = (target + 0.5) / fpsOf(video);
    }
    show(grid, target);
  };
  const follow = (grid) => {
    if (grid.dataset.playing !== 'true') return;
    const [lead, ...rest] = videos(grid);
    if (lead) {
      const leadFps = fpsOf(lead);
      const at = lead.currentTime * leadFps;
      for (const video of rest) {
        const fps = fpsOf(video);
        video.playbackRate = fps / leadFps;
        if (Math.abs(video.currentTime * fps - at) > 0.5) video.currentTime = at / fps;
        if (video.paused) video.play().catch(() => {});
      }
      show(grid, position(grid));
    }
    requestAnimationFrame(() => follow(grid));
  };
  const play = (grid) => {
    const all = videos(grid);
    if (all.length === 0) return;
    const frame = position(grid);
    for (const video of all) {
      video.currentTime = frame / fpsOf(video);
      video.playbackRate = fpsOf(video) / fpsOf(all[0]);
    }
    grid.dataset.playing = 'true';
    for (const video of all) video.play().catch(() => {});
    requestAnimationFrame(() => follow(grid));
  };
  const pause = (grid) => seekAll(grid, position(grid));
  window.svdwebSweep = { play, pause, step: (grid, delta) => seekAll(grid, position(grid) + delta), frame: position };
  document.addEventListener('click', (e) => {
    const control = e.target.closest?.('[data-sweep]');
    const grid = gridOf(control);
    if (!grid || control.dataset.sweep === 'scrub') return;
    e.preventDefault();
    if (control.dataset.sweep === 'toggle') {
      if (grid.dataset.playing === 'true') pause(grid); else play(grid);
    } else if (control.dataset.sweep === 'step') {
      seekAll(grid, position(grid) + Number(control.dataset.delta));
    }
  });
  document.addEventListener('input', (e) => {
    if (e.target.dataset?.sweep !== 'scrub') return;
    const grid = gridOf(e.target);
    if (grid) seekAll(grid, Number(e.target.value));
  });
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    const grid = gridOf(e.target);
    if (!grid || e.target.dataset?.sweep === 'scrub') return;
    e.preventDefault();
    seekAll(grid, position(grid) + (e.key === 'ArrowRight' ? 1 : -1));
  });
  document.addEventListener('seeked', (e) => {
    const grid = gridOf(e.target);
    if (grid && grid.dataset.playing !== 'true' && e.target === videos(grid)[0]) show(grid, position(grid));
  }, true);
})();
