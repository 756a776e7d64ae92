/** A canonical operation of test/operations, fragments appended, embedded at build time. */
interface PlaygroundExample {
  /** File name without extension, e.g. "place-order". */
  name: string;
  /** The operation's own name, e.g. "PlaceOrder". */
  operationName: string;
  query: string;
  /** A JSON skeleton of the operation's variables, to fill in. */
  variables: string;
}

declare const __PLAYGROUND_EXAMPLES__: PlaygroundExample[];
