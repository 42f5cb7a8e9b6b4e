// The Provide Keys flow of a devportal-style Applications page, through a
// client generated from the store's served OpenAPI document: find the key
// manager that allows mapping, create an application, map an existing
// OAuth client to it, list its keys, get a token.
import createClient from "openapi-fetch";
import type { paths } from "./schema";

export interface Outcome {
  application: string;
  consumerKey: string;
  mode: string;
  keys: number;
  token: boolean;
}

export async function provideKeys(base: string, user: string, password: string,
  consumerKey: string, consumerSecret: string): Promise<Outcome> {
  const client = createClient<paths>({
    baseUrl: base + "/api/am/devportal/v3",
    headers: { Authorization: "Basic " + btoa(user + ":" + password) },
  });
  const kms = await client.GET("/key-managers");
  if (!kms.data) throw new Error("key-managers: " + JSON.stringify(kms.error));
  const resident = kms.data.list.find((k) => k.type === "default");
  if (!resident || !resident.enableMapOAuthConsumerApps) throw new Error("no key manager allows Provide Keys");

  const app = await client.POST("/applications", { body: { name: "ts-" + consumerKey, throttlingPolicy: "Unlimited" } });
  if (!app.data || !app.data.applicationId) throw new Error("create application: " + JSON.stringify(app.error));
  const applicationId = app.data.applicationId;

  const mapped = await client.POST("/applications/{applicationId}/map-keys", {
    params: { path: { applicationId } },
    body: { consumerKey, consumerSecret, keyType: "PRODUCTION", keyManager: resident.name },
  });
  if (!mapped.data || !mapped.data.keyMappingId) throw new Error("map-keys: " + JSON.stringify(mapped.error));
  const keyMappingId = mapped.data.keyMappingId;

  const keys = await client.GET("/applications/{applicationId}/oauth-keys", { params: { path: { applicationId } } });
  if (!keys.data) throw new Error("oauth-keys: " + JSON.stringify(keys.error));

  const token = await client.POST("/applications/{applicationId}/oauth-keys/{keyMappingId}/generate-token", {
    params: { path: { applicationId, keyMappingId } },
    body: { validityPeriod: 3600, scopes: [] },
  });
  if (!token.data) throw new Error("generate-token: " + JSON.stringify(token.error));

  return {
    application: app.data.name,
    consumerKey: mapped.data.consumerKey ?? "",
    mode: mapped.data.mode ?? "",
    keys: keys.data.count,
    token: token.data.accessToken !== "",
  };
}
