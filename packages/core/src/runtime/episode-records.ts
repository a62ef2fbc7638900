import type { Backbone, EpisodeRecord } from '@ajet/spec';
import type { PlannedEpisode } from './plan-batch.ts';

/** At most `limit` episodes, round-robin over the groups, so a file shows many tasks, successes and failures. */
export function pickEpisodes<Episode>(groups: readonly (readonly Episode[])[], limit: number): Episode[] {
  const picked: Episode[] = [];
  const longest = Math.max(0, ...groups.map((group) => group.length));
  for (let position = 0; position < longest && picked.length < limit; position++) {
    for (const group of groups) {
      const episode = group[position];
      if (episode && picked.length < limit) picked.push(episode);
    }
  }
  return picked;
}

/** The trajectory-file records of a step's episodes (at most `limit`), with token texts where a backbone is. */
export async function episodeRecords(options: {
  step: number;
  episodes: readonly (readonly PlannedEpisode[])[];
  limit: number;
  backbone?: Backbone;
}): Promise<EpisodeRecord[]> {
  const { backbone } = options;
  return Promise.all(
    pickEpisodes(options.episodes, options.limit).map(async ({ result, advantage, trained }) => {
      const { workflowTask, trajectory } = result;
      const tokenTexts = backbone
        ? await Promise.all(
            trajectory.sequences.map(
              async (sequence) => (await backbone.detokenize({ tokenIds: sequence.tokenIds })).pieces,
            ),
          )
        : undefined;
      const record: EpisodeRecord = {
        step: options.step,
        split: workflowTask.split,
        episodeId: workflowTask.episodeId,
        taskId: workflowTask.task.taskId,
        taskTag: workflowTask.taskTag,
        repeatIndex: workflowTask.repeatIndex,
        reward: result.reward,
        isSuccess: result.isSuccess,
        advantage,
        trained,
        judgeDetails: result.judgeDetails,
        finalAnswer: result.output?.metadata.finalAnswer,
        error: result.error,
        messages: trajectory.messages,
        sequences: trajectory.sequences,
        calls: trajectory.calls.map((call) => ({
          finishReason: call.finishReason,
          policyVersion: call.policyVersion,
          promptTokens: call.promptIds.length,
          completionTokens: call.completionIds.length,
        })),
        tokenTexts,
        durationMs: Math.round(result.durationMs),
      };
      return record;
    }),
  );
}
