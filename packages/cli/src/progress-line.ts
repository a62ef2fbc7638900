import type { RunObserver, RunPhase } from '@ajet/core';

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const minutes = Math.floor(seconds / 60);
  return `${String(minutes).padStart(2, '0')}:${String(Math.round(seconds % 60)).padStart(2, '0')}`;
}

/**
 * A one-line progress bar on a TTY: the phase (rollout, train, validate, checkpoint), episodes done of total and
 * an ETA for the phase. Lines printed by other observers clear it first, so it never mixes into the log.
 */
export class ProgressLine {
  private readonly stream: NodeJS.WriteStream;
  private phase: RunPhase | undefined;
  private step = 0;
  private totalSteps = 0;
  private done = 0;
  private total = 0;
  private started = 0;
  private visible = false;

  constructor(stream: NodeJS.WriteStream) {
    this.stream = stream;
  }

  clear(): void {
    if (!this.visible) return;
    this.stream.write('\r\u001b[2K');
    this.visible = false;
  }

  private render(): void {
    const width = 24;
    const fraction = this.total > 0 ? this.done / this.total : 0;
    const filled = Math.round(fraction * width);
    const elapsed = (performance.now() - this.started) / 1000;
    const eta = this.done > 0 ? (elapsed / this.done) * (this.total - this.done) : Number.NaN;
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const stepText = this.totalSteps > 0 ? `step ${this.step}/${this.totalSteps} ` : '';
    this.stream.write(
      `\r\u001b[2K${stepText}${this.phase ?? ''} ${bar} ${this.done}/${this.total} · ${duration(elapsed)} elapsed · ETA ${duration(eta)}`,
    );
    this.visible = true;
  }

  observer(): RunObserver {
    return {
      onRunStart: (info) => {
        this.totalSteps = info.totalSteps;
      },
      onPhase: (event) => {
        this.phase = event.phase;
        this.step = event.step;
        this.done = 0;
        this.total = event.phase === 'rollout' || event.phase === 'validate' ? event.episodes : 0;
        this.started = performance.now();
        this.render();
      },
      onEpisodeEnd: (event) => {
        this.done = event.done;
        this.total = event.total;
        this.render();
      },
      onRunEnd: () => this.clear(),
    };
  }
}

/** Calls every observer's handler in order. */
export function combineObservers(...observers: RunObserver[]): RunObserver {
  // Every method of RunObserver: a new one that is not listed here fails to typecheck instead of going unheard.
  const every: Record<keyof RunObserver, true> = {
    onRunStart: true,
    onPhase: true,
    onEpisodeEnd: true,
    onRolloutError: true,
    onMetrics: true,
    onWarning: true,
    onEpisodeService: true,
    onRunEnd: true,
  };
  const keys = Object.keys(every) as (keyof RunObserver)[];
  const combined: RunObserver = {};
  for (const key of keys) {
    const handlers = observers.map((observer) => observer[key]).filter((handler) => handler !== undefined);
    if (handlers.length > 0) {
      (combined as Record<string, unknown>)[key] = (event: never) => {
        for (const handler of handlers) (handler as (value: never) => void)(event);
      };
    }
  }
  return combined;
}
