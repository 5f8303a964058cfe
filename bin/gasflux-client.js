#!/usr/bin/env node
// `npx gasflux-client …`: the GraphQL client CLI, compiled (see compiled.js).
import { loadCompiled } from './compiled.js';

const { main } = await loadCompiled('client/cli.js');
process.exitCode = await main(process.argv.slice(2));
