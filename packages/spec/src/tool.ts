import type { z } from 'zod';

export interface ToolContext {
  episodeId: string;
  /** Aborted when the episode times out or the run stops. */
  signal?: AbortSignal;
}

/** A tool an agent may call. Errors the model should see come back as the returned text, never a throw. */
export interface Tool<Parameters extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  parameters: Parameters;
  execute(args: z.output<Parameters>, context: ToolContext): Promise<string>;
  /** Releases what the tool holds (processes, sockets); called once when its owner is done with it. */
  close?(): Promise<void>;
}
