// A small frontend module written against the generated client: `tsc --strict` must accept it, and must refuse
// the lines marked @ts-expect-error (closed sets are enums, always-present values are non-null).
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";
import {
  CubeRefreshesDocument,
  CubesDocument,
  RefreshCubeDocument,
  RunQueryDocument,
  type CubeRefreshesSubscription,
  type RefreshStatus,
  type UserErrorCode,
} from "./gql/graphql";

export async function request<Result, Variables>(
  url: string,
  token: string,
  document: TypedDocumentNode<Result, Variables>,
  variables: Variables,
): Promise<Result> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await response.json()) as { data?: Result; errors?: { message: string }[] };
  if (body.errors?.length || !body.data) throw new Error(body.errors?.[0]?.message ?? "no data");
  return body.data;
}

const STATUS_LABELS: Record<RefreshStatus, string> = {
  PENDING: "queued",
  RUNNING: "refreshing",
  SUCCEEDED: "up to date",
  FAILED: "failed",
  TRIGGERED: "handed to Airflow",
};

export function describeRun(event: CubeRefreshesSubscription): string {
  const run = event.cubeRefreshes;
  const cube: string = run.cube.name; // non-null: a run always has its cube
  const table = `${run.cube.factTable.schemaName}.${run.cube.factTable.name}`;
  const finished: Date | null = run.finishedAt ? new Date(run.finishedAt) : null;
  return `${cube} (${table}): ${STATUS_LABELS[run.status]} ${finished?.toISOString() ?? ""}`;
}

export async function refreshAll(url: string, token: string): Promise<UserErrorCode[]> {
  const { cubes } = await request(url, token, CubesDocument, {});
  const codes: UserErrorCode[] = [];
  for (const cube of cubes) {
    const { refreshCube } = await request(url, token, RefreshCubeDocument, { id: cube.id });
    codes.push(...refreshCube.userErrors.map((error) => error.code));
  }
  const result = await request(url, token, RunQueryDocument, { dataSourceId: "x", sql: "SELECT 1", mode: "DIRECT" });
  const first: unknown = result.runQuery.columns[0]?.values[0];
  void first;
  void CubeRefreshesDocument;
  return codes;
}

// @ts-expect-error a refresh status is one of a closed set
export const notAStatus: RefreshStatus = "DONE";

// @ts-expect-error a user-error code is one of a closed set
export const notACode: UserErrorCode = "OOPS";

export function nullableCube(event: CubeRefreshesSubscription): null {
  // @ts-expect-error the cube of a run is never null
  return event.cubeRefreshes.cube;
}
