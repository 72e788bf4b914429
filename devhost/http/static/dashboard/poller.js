// Live refresh: each view polls every 2 s while the tab is visible and live updates are on.
// Polls never overlap; hiding the tab or switching live updates off stops them until shown again.

export const POLL_INTERVAL_MS = 2000;
const pollers = new Set();
let userPaused = false;

export function isLive() {
  return !document.hidden && !userPaused;
}

function showState() {
  const state = document.getElementById("live-state");
  const live = isLive();
  state.dataset.state = live ? "on" : "paused";
  state.textContent = live ? "Live" : document.hidden ? "Paused (tab hidden)" : "Paused";
  document.body.dataset.live = live ? "on" : "paused";
}

function wakeAll() {
  showState();
  for (const poller of pollers) poller.wake();
}

/** Hook the live toggle and the tab's visibility (once, at start). */
export function setUpLiveUpdates() {
  const toggle = document.getElementById("live-toggle");
  toggle.addEventListener("change", () => {
    userPaused = !toggle.checked;
    wakeAll();
  });
  document.addEventListener("visibilitychange", wakeAll);
  showState();
}

/** Runs `task` now and then every interval while live; `now()` refreshes at once (after an action). */
export class Poller {
  #task;
  #interval;
  #timer = null;
  #busy = false;
  #again = false;
  #stopped = true;

  constructor(task, intervalMs = POLL_INTERVAL_MS) {
    this.#task = task;
    this.#interval = intervalMs;
  }

  get stopped() {
    return this.#stopped;
  }

  start() {
    this.#stopped = false;
    pollers.add(this);
    return this.now();
  }

  stop() {
    this.#stopped = true;
    pollers.delete(this);
    clearTimeout(this.#timer);
  }

  wake() {
    if (isLive()) this.now();
    else clearTimeout(this.#timer);
  }

  async now() {
    clearTimeout(this.#timer);
    if (this.#stopped) return;
    if (this.#busy) {
      this.#again = true;
      return;
    }
    this.#busy = true;
    try {
      await this.#task();
    } finally {
      this.#busy = false;
    }
    if (this.#again) {
      this.#again = false;
      await this.now();
    } else if (!this.#stopped && isLive()) {
      this.#timer = setTimeout(() => this.now(), this.#interval);
    }
  }
}
