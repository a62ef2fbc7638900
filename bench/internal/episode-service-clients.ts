// The agents' process of bench/episode-service.ts: COUNT concurrent AjetClient loops, one chat call per episode.
//   node --import tsx episode-service-clients.ts URL TOKEN COUNT
import { AjetClient } from '@ajet/client';

const [url = '', token = '', count = '1'] = process.argv.slice(2);

async function loop(index: number): Promise<void> {
  const ajet = new AjetClient({ url, token, clientId: `bench-${index}`, waitS: 5 });
  for await (const episode of ajet.episodes()) {
    const reply = await episode.openai.chat.completions.create({
      model: episode.model,
      messages: [
        { role: 'system', content: 'You are a calculator agent. Answer with the number.' },
        { role: 'user', content: episode.task.mainQuery },
      ],
      max_tokens: 32,
    });
    await episode.end({ reward: reply.choices[0]?.message.content ? 1 : 0 });
  }
}

await Promise.all(Array.from({ length: Number(count) }, (_, index) => loop(index)));
