import 'graphiql/style.css';
import '@graphiql/plugin-explorer/style.css';
import { explorerPlugin } from '@graphiql/plugin-explorer';
import type { GraphiQLPlugin } from '@graphiql/react';
import { GraphiQL } from 'graphiql';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { examplesPlugin } from './examples-plugin.js';
import { createPlaygroundFetcher } from './fetcher.js';
import { setupMonacoWorkers } from './monaco-workers.js';

interface PageConfig {
  assetBase: string;
  introspection: boolean;
}

/** The first tabs a QA engineer needs: log in, browse, order, watch the order, pay. */
const FIRST_TABS = ['login', 'stores', 'place-order', 'order-status-changed', 'simulate-payment'];

const config = JSON.parse(document.getElementById('playground-config')!.textContent!) as PageConfig;
setupMonacoWorkers(config.assetBase);

const examples = __PLAYGROUND_EXAMPLES__;
// Headers belong to a tab: each starts with the header the server reads, to fill in after login.
const HEADERS_TEMPLATE = '{\n  "authorization": ""\n}';
const defaultTabs = FIRST_TABS.flatMap((name) => examples.filter((e) => e.name === name)).map((e) => ({ query: e.query, variables: e.variables, headers: HEADERS_TEMPLATE }));
// Without introspection (production) there is no schema for the explorer to draw.
const plugins: GraphiQLPlugin[] = [examplesPlugin(examples), ...(config.introspection ? [explorerPlugin()] : [])];

createRoot(document.getElementById('graphiql')!).render(
  <StrictMode>
    <GraphiQL
      fetcher={createPlaygroundFetcher(location.pathname.replace(/\/+$/, '') || '/graphql')}
      schema={config.introspection ? undefined : null}
      plugins={plugins}
      defaultTabs={defaultTabs}
      defaultHeaders={HEADERS_TEMPLATE}
      defaultEditorToolsVisibility="headers"
      isHeadersEditorEnabled
    />
  </StrictMode>,
);
