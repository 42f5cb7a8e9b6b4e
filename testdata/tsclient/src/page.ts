// The page's script: runs the flow against the server named in the
// page's hash (#base=...&key=...&secret=...) and writes the outcome, or
// the failure, into #result.
import { provideKeys } from "./flow";

const params = new URLSearchParams(location.hash.slice(1));
const result = document.getElementById("result")!;
provideKeys(params.get("base") ?? "", "admin", "admin", params.get("key") ?? "", params.get("secret") ?? "")
  .then((o) => { result.textContent = "PASS " + JSON.stringify(o); })
  .catch((e: unknown) => { result.textContent = "FAIL " + String(e); });
