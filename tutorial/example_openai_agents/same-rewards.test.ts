import { it } from 'vitest';
import { expectSameAsReactAgent } from '../../test/helpers/same-as-react-agent.ts';

it('the OpenAI Agents JS agent trains, sampling the same tokens and earning the same rewards as react_agent', async () => {
  await expectSameAsReactAgent('tutorial/example_openai_agents/openai_agents_agent.yaml');
});
