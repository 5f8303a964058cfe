#!/usr/bin/env node
// `npx gasflux …`: the scientific CLI, compiled (see compiled.js).
import { loadCompiled } from './compiled.js';

const { main } = await loadCompiled('src/gasflux/cli.js');
process.exitCode = await main(process.argv.slice(2));
