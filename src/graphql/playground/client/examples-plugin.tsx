import { pick, useGraphiQL, type GraphiQLPlugin } from '@graphiql/react';

function ExamplesIcon() {
  return (
    <svg viewBox="0 0 24 24" width="1em" height="1em" fill="none" stroke="currentColor" strokeWidth="1.5" aria-hidden="true">
      <path d="M5 4h11l3 3v13H5z M8 9h8 M8 13h8 M8 17h5" />
    </svg>
  );
}

function ExamplesContent({ examples }: { examples: PlaygroundExample[] }) {
  const { queryEditor, variableEditor } = useGraphiQL(pick('queryEditor', 'variableEditor'));
  return (
    <section aria-label="Examples" className="wxshop-examples">
      <div className="graphiql-doc-explorer-title">Examples</div>
      <p>The mini-program's canonical operations (test/operations). Click one to load it into the current tab.</p>
      <ul style={{ listStyle: 'none', padding: 0 }}>
        {examples.map((example) => (
          <li key={example.name}>
            <button
              type="button"
              className="graphiql-un-styled"
              style={{ padding: '4px 0', cursor: 'pointer', textAlign: 'left' }}
              onClick={() => {
                queryEditor?.setValue(example.query);
                variableEditor?.setValue(example.variables);
              }}
            >
              {example.operationName} <small style={{ opacity: 0.6 }}>{example.name}.graphql</small>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function examplesPlugin(examples: PlaygroundExample[]): GraphiQLPlugin {
  return { title: 'Examples', icon: ExamplesIcon, content: () => <ExamplesContent examples={examples} /> };
}
