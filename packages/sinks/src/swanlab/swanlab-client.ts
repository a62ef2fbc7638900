import { z } from 'zod';

// The routes SwanLab's own Python SDK calls (swanlab/core_python: auth, client, uploader), as of SDK 0.7.
const loginReply = z.object({ sid: z.string(), userInfo: z.object({ username: z.string() }) });
const projectReply = z.object({ username: z.string() });
const projectInfo = z.object({ cuid: z.string(), name: z.string() });
const experimentReply = z.object({ cuid: z.string(), flagId: z.string().nullish() });

export interface SwanlabPoint {
  key: string;
  step: number;
  value: number;
  /** Unix ms. */
  time: number;
}

export interface SwanlabClientOptions {
  /** The API root, e.g. `https://api.swanlab.cn/api` (the SDK's SWANLAB_API_HOST). */
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

export class SwanlabHttpError extends Error {
  readonly status: number;

  constructor(options: { method: string; url: string; status: number; body: string }) {
    super(
      `${options.method} ${options.url} answered ${options.status}${options.body ? `: ${options.body.slice(0, 200)}` : ''}`,
    );
    this.status = options.status;
  }
}

/** A logged-in session against one SwanLab experiment. */
export class SwanlabClient {
  private readonly options: SwanlabClientOptions;
  private readonly fetch: typeof fetch;
  private sid = '';
  private username = '';
  private projectName = '';
  private projectId = '';
  private experimentId = '';
  private flagId: string | null = null;
  private readonly columns = new Set<string>();
  private readonly epochs = new Map<string, number>();

  constructor(options: SwanlabClientOptions) {
    this.options = { ...options, baseUrl: options.baseUrl.replace(/\/+$/, '') };
    this.fetch = options.fetch ?? fetch;
  }

  get experiment(): { id: string; project: string; workspace: string } {
    return { id: this.experimentId, project: this.projectName, workspace: this.username };
  }

  private async request(options: {
    method: 'GET' | 'POST' | 'PUT';
    path: string;
    body?: unknown;
    headers?: Record<string, string>;
    /** Statuses that are answers, not failures (e.g. 409: the project exists). */
    accept?: number[];
  }): Promise<{ status: number; body: unknown }> {
    const url = `${this.options.baseUrl}${options.path}`;
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (this.sid) headers.cookie = `sid=${this.sid}`;
    if (this.flagId) headers.flagId = this.flagId;
    const response = await this.fetch(url, {
      method: options.method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    const text = await response.text();
    if (!response.ok && !options.accept?.includes(response.status)) {
      throw new SwanlabHttpError({ method: options.method, url, status: response.status, body: text });
    }
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: keep the text; the schema below rejects it where JSON was needed.
    }
    return { status: response.status, body };
  }

  /** Log in with the API key, create or find the project, then create the experiment or resume `resumeId`. */
  async start(options: {
    project: string;
    workspace?: string;
    experimentName: string;
    description?: string;
    resumeId?: string;
  }): Promise<{ resumed: boolean }> {
    const login = await this.request({
      method: 'POST',
      path: '/login/api_key',
      headers: { authorization: this.options.apiKey },
    });
    const session = loginReply.parse(login.body);
    this.sid = session.sid;
    const project = await this.request({
      method: 'POST',
      path: '/project',
      body: { name: options.project, ...(options.workspace ? { username: options.workspace } : {}) },
      accept: [409],
    });
    this.username = projectReply.parse(project.body).username;
    const info = projectInfo.parse(
      (await this.request({ method: 'GET', path: `/project/${this.username}/${encodeURIComponent(options.project)}` }))
        .body,
    );
    this.projectName = info.name;
    this.projectId = info.cuid;
    const experiment = await this.request({
      method: 'POST',
      path: `/project/${this.username}/${encodeURIComponent(this.projectName)}/experiment`,
      body: {
        name: options.experimentName,
        ...(options.description ? { description: options.description } : {}),
        colors: ['#528d59', '#587ad2'],
        ...(options.resumeId ? { cuid: options.resumeId } : {}),
      },
    });
    const created = experimentReply.parse(experiment.body);
    this.experimentId = created.cuid;
    this.flagId = created.flagId ?? null;
    // 201: a new experiment; 200: an existing one, resumed.
    return { resumed: experiment.status === 200 };
  }

  /** Creates the columns not seen yet, then sends the points in one batch. */
  async upload(points: readonly SwanlabPoint[]): Promise<void> {
    if (points.length === 0) return;
    const fresh = [...new Set(points.map((point) => point.key))].filter((key) => !this.columns.has(key));
    if (fresh.length > 0) {
      await this.request({
        method: 'POST',
        path: `/experiment/${this.experimentId}/columns`,
        body: fresh.map((key) => ({ class: 'CUSTOM', type: 'FLOAT', key })),
      });
      for (const key of fresh) this.columns.add(key);
    }
    const epochs = new Map(this.epochs);
    const metrics = points.map((point) => {
      const epoch = (epochs.get(point.key) ?? 0) + 1;
      epochs.set(point.key, epoch);
      return {
        key: point.key,
        index: point.step,
        epoch,
        data: point.value,
        create_time: new Date(point.time).toISOString(),
      };
    });
    await this.request({
      method: 'POST',
      path: '/house/metrics',
      body: {
        projectId: this.projectId,
        experimentId: this.experimentId,
        type: 'scalar',
        metrics,
        flagId: this.flagId,
      },
    });
    for (const [key, epoch] of epochs) this.epochs.set(key, epoch);
  }

  async finish(state: 'FINISHED' | 'CRASHED'): Promise<void> {
    await this.request({
      method: 'PUT',
      path: `/project/${this.username}/${encodeURIComponent(this.projectName)}/runs/${this.experimentId}/state`,
      body: { state, finishedAt: new Date().toISOString(), from: 'sdk' },
    });
  }
}
