import { it } from 'vitest';
import { expectSameAsReactAgent } from '../../test/helpers/same-as-react-agent.ts';

it('the AI SDK agent samples the same tokens and earns the same rewards as react_agent with the same seed', async () => {
  await expectSameAsReactAgent('tutorial/example_ai_sdk_agent/ai_sdk_agent.yaml');
});
