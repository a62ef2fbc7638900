import { randomBytes } from 'node:crypto';
import type { ServiceStatus, Tuner, Workflow, WorkflowOutput, WorkflowTask } from '@ajet/spec';

/** One offered episode: the trainer's side (its tuner, its promise) and the client's (key, deadline, owner). */
export interface BoardEpisode {
  workflowTask: WorkflowTask;
  tuner: Tuner;
  /** The bearer key of the episode's model URL. */
  apiKey: string;
  /** Epoch ms: the episode's own timeout (`rollout.episode_timeout_s` from when it was offered). */
  deadline: number;
  state: 'open' | 'claimed' | 'done';
  clientId?: string;
  settle: { resolve: (output: WorkflowOutput) => void; reject: (error: Error) => void };
}

interface Waiter {
  deliver: (episode: BoardEpisode | 'finished' | 'none') => boolean;
}

/** A client gave up an episode (`/abort`): the episode fails with this as its workflow error. */
export class EpisodeAbortedByClient extends Error {
  override name = 'EpisodeAbortedByClient';
}

/**
 * The episodes the trainer offers to external clients. Each episode's workflow (`createWorkflow()`) puts the
 * episode on the board and waits; a client claims it, runs its agent against the episode's model URL and ends or
 * aborts it, which settles the workflow. The episode's signal (its timeout, or the run stopping) takes it off the
 * board, so a client that dies loses only the episodes it claimed, and those fail as timeouts.
 */
export class EpisodeBoard {
  private readonly episodes = new Map<string, BoardEpisode>();
  private readonly open: BoardEpisode[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly episodeTimeoutMs: number;
  private readonly warn: (message: string) => void;
  private finished = false;
  private readonly counts = { ended: 0, aborted: 0, expired: 0, unclaimedExpired: 0 };

  constructor(options: { episodeTimeoutMs: number; warn: (message: string) => void }) {
    this.episodeTimeoutMs = options.episodeTimeoutMs;
    this.warn = options.warn;
  }

  /** The workflow every episode of the run uses: it offers the episode here and returns what the client sends. */
  createWorkflow(): Workflow {
    return { execute: (workflowTask, tuner) => this.offer(workflowTask, tuner) };
  }

  private offer(workflowTask: WorkflowTask, tuner: Tuner): Promise<WorkflowOutput> {
    tuner.signal.throwIfAborted();
    return new Promise<WorkflowOutput>((resolve, reject) => {
      const episode: BoardEpisode = {
        workflowTask,
        tuner,
        apiKey: `ajet-ep-${randomBytes(16).toString('hex')}`,
        deadline: Date.now() + this.episodeTimeoutMs,
        state: 'open',
        settle: { resolve, reject },
      };
      this.episodes.set(workflowTask.episodeId, episode);
      tuner.signal.addEventListener('abort', () => this.expire(episode), { once: true });
      this.hand(episode);
    });
  }

  /** Gives the episode to the longest-waiting client, or queues it. */
  private hand(episode: BoardEpisode): void {
    while (this.waiters.length > 0) {
      const waiter = this.waiters.shift() as Waiter;
      episode.state = 'claimed';
      if (waiter.deliver(episode)) return;
      episode.state = 'open';
    }
    this.open.push(episode);
  }

  private expire(episode: BoardEpisode): void {
    if (episode.state === 'done') return;
    const reason = episode.tuner.signal.reason;
    if (episode.state === 'claimed') {
      this.counts.expired += 1;
      this.warn(
        `episode ${episode.workflowTask.episodeId} (${episode.workflowTask.taskTag}) claimed by ${
          episode.clientId ?? 'a client'
        } was not ended before its deadline: failed (a client that died loses only its episodes)`,
      );
    } else {
      this.counts.unclaimedExpired += 1;
    }
    this.close(episode);
    episode.settle.reject(reason instanceof Error ? reason : new Error(String(reason)));
  }

  private close(episode: BoardEpisode): void {
    episode.state = 'done';
    this.episodes.delete(episode.workflowTask.episodeId);
    const index = this.open.indexOf(episode);
    if (index >= 0) this.open.splice(index, 1);
  }

  /**
   * The next open episode for `clientId`, waiting up to `waitMs` for one. `deliver` returns false when the client
   * is gone (its request closed), and the episode goes back on the board.
   */
  claim(options: {
    clientId?: string;
    waitMs: number;
    deliver: (episode: BoardEpisode | 'finished' | 'none') => boolean;
  }): void {
    const { clientId, deliver } = options;
    const stamp = (episode: BoardEpisode | 'finished' | 'none') => {
      if (typeof episode !== 'string') episode.clientId = clientId;
      return deliver(episode);
    };
    if (this.finished) {
      stamp('finished');
      return;
    }
    const episode = this.open.shift();
    if (episode) {
      episode.state = 'claimed';
      if (!stamp(episode)) {
        episode.state = 'open';
        this.open.unshift(episode);
      }
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const waiter: Waiter = {
      deliver: (next) => {
        clearTimeout(timer);
        return stamp(next);
      },
    };
    this.waiters.push(waiter);
    timer = setTimeout(() => {
      const index = this.waiters.indexOf(waiter);
      if (index >= 0) this.waiters.splice(index, 1);
      stamp('none');
    }, options.waitMs);
  }

  /** A claimed episode by id; `undefined` when unknown, never claimed, or already over. */
  claimed(episodeId: string): BoardEpisode | undefined {
    const episode = this.episodes.get(episodeId);
    return episode?.state === 'claimed' ? episode : undefined;
  }

  /** Whether an id was ever offered and is still on the board (open or claimed). */
  has(episodeId: string): boolean {
    return this.episodes.has(episodeId);
  }

  end(episode: BoardEpisode, output: WorkflowOutput): void {
    this.counts.ended += 1;
    this.close(episode);
    episode.settle.resolve(output);
  }

  abort(episode: BoardEpisode, reason: string | undefined): void {
    this.counts.aborted += 1;
    this.close(episode);
    const who = episode.clientId ? ` ${episode.clientId}` : '';
    episode.settle.reject(new EpisodeAbortedByClient(`aborted by client${who}${reason ? `: ${reason}` : ''}`));
  }

  /** The run is over: waiting and later claims answer `finished`. */
  finish(): void {
    this.finished = true;
    for (const waiter of this.waiters.splice(0)) waiter.deliver('finished');
  }

  status(): ServiceStatus {
    let claimed = 0;
    for (const episode of this.episodes.values()) if (episode.state === 'claimed') claimed += 1;
    return {
      open: this.open.length,
      claimed,
      ended: this.counts.ended,
      aborted: this.counts.aborted,
      expired: this.counts.expired,
      unclaimed_expired: this.counts.unclaimedExpired,
      finished: this.finished,
    };
  }
}
