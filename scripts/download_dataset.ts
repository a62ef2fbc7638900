// Downloads a Hugging Face hub dataset into a folder the huggingface_dat_repo reader reads; the same as
// `ajet download`. Usage: node --import tsx scripts/download_dataset.ts --target=openai/gsm8k --path=data/gsm8k
import { main } from '@ajet/cli';

process.setSourceMapsEnabled(true);
process.exitCode = await main(['download', ...process.argv.slice(2)]);
