/** Types of scripts/build-node.mjs for the TypeScript callers (test setup, e2e harness). */
export declare const NODE_OUT: string;
export declare function isNodeBuildFresh(): boolean;
export declare function buildNode(opts?: { quiet?: boolean }): Promise<void>;
export declare function ensureNodeBuild(opts?: { quiet?: boolean }): Promise<string>;
