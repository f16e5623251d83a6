// The filing lifecycle through openapi-fetch on the types openapi-typescript generates from
// openapi.json (apart-api.d.ts, made by generate-types.mjs): every call is typed by the
// document. Run by contract/clients/run.py: compiled with `tsc --strict`, then
// `node out/scenario.js BASE_URL`.
import { createHash, randomBytes, randomInt } from "node:crypto";
import createClient from "openapi-fetch";
import type { components, paths } from "./apart-api.js";

type Schemas = components["schemas"];
const PASSWORD = "correct horse battery staple";

function step(name: string): void {
  console.log(`typescript client: ${name}`);
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** The data of an answer that must have `status`. */
function ok<D>(result: { data?: D; error?: unknown; response: Response }, status = 200): D {
  const { data, error, response } = result;
  check(
    response.status === status && data !== undefined,
    `expected ${status}, got ${response.status}: ${JSON.stringify(error)}`,
  );
  return data;
}

/** A one-page PDF (blank A4) that a PDF parser opens: three objects and their xref table. */
function tinyPdf(): Uint8Array {
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
  ];
  let out = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  out += offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("");
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(out); // ASCII only: one byte per character
}

/** `prefix` and the digit that makes it pass the Luhn check (SIREN, SIRET: R1). */
function luhnComplete(prefix: string): string {
  for (let digit = 0; digit < 10; digit++) {
    const digits = [...`${prefix}${digit}`].reverse().map(Number);
    const total = digits.reduce((sum, d, i) => {
      const v = i % 2 ? d * 2 : d;
      return sum + (v > 9 ? v - 9 : v);
    }, 0);
    if (total % 10 === 0) return `${prefix}${digit}`;
  }
  throw new Error("unreachable");
}

/** A multipart body: each field of the form model as a part, the document as a file. */
function formData(body: Schemas["ContractUpload"]): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(body)) {
    if (value instanceof Blob) form.append(name, value, "contrat.pdf");
    else if (value !== undefined) form.append(name, value);
  }
  return form;
}

async function main(baseUrl: string): Promise<void> {
  const tag = randomBytes(4).toString("hex");
  const open = createClient<paths>({ baseUrl });

  step("sign up a firm");
  const ownerEmail = `claire.${tag}@cabinet-durand.fr`;
  const firm: Schemas["FirmCreate"] = {
    name: "Cabinet Durand",
    siret: "73282932000074",
    email: `apart.${tag}@cabinet-durand.fr`,
    owner: { email: ownerEmail, full_name: "Claire Durand", password: PASSWORD },
  };
  ok(await open.POST("/v1/firms", { body: firm }), 201);

  step("log in");
  const pair = ok(
    await open.POST("/v1/auth/token", {
      body: { username: ownerEmail, password: PASSWORD },
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    }),
  );
  const api = createClient<paths>({
    baseUrl,
    headers: { Authorization: `Bearer ${pair.access_token}` },
  });

  step("a client and its establishment");
  const siren = luhnComplete(String(randomInt(10 ** 8)).padStart(8, "0"));
  const company = ok(
    await api.POST("/v1/clients", {
      body: { siren, legal_name: "Boulangerie Martin", headcount: 12 },
    }),
    201,
  );
  const establishment: Schemas["EstablishmentCreate"] = {
    client_id: company.id,
    siret: luhnComplete(`${siren}0001`),
    name: "Boulangerie du Port",
    address: "3 quai des Indes",
    postal_code: "56100",
    city: "Lorient",
  };
  const est = ok(await api.POST("/v1/establishments", { body: establishment }), 201);

  step("upload the service contract, download it back");
  const pdf = tinyPdf();
  const contract = ok(
    await api.POST("/v1/clients/{client_id}/contracts", {
      params: { path: { client_id: company.id } },
      body: {
        document: new Blob([pdf], { type: "application/pdf" }),
        signed_on: "2020-03-02",
        signatory_name: "Jeanne Martin",
        signatory_role: "Gérante",
        engagement_letter_on: "2020-03-01",
      },
      bodySerializer: formData,
    }),
    201,
  );
  const download = await api.GET("/v1/contracts/{contract_id}/document", {
    params: { path: { contract_id: contract.id } },
    parseAs: "arrayBuffer",
  });
  const copy = new Uint8Array(ok(download));
  check(Buffer.from(copy).equals(Buffer.from(pdf)), "the downloaded contract differs");
  const digest = createHash("sha256").update(pdf).digest("hex");
  check(download.response.headers.get("X-Content-SHA256") === digest, "wrong X-Content-SHA256");

  step("habilitation: requested, credentials sent, habilitated");
  const path = { params: { path: { establishment_id: est.id } }, body: { on: "2020-03-05" } };
  ok(await api.POST("/v1/establishments/{establishment_id}/habilitation/request", path));
  ok(await api.POST("/v1/establishments/{establishment_id}/habilitation/credentials-sent", path));
  const habilitation = ok(
    await api.POST("/v1/establishments/{establishment_id}/habilitation/habilitated", path),
  );
  check(habilitation.status === "habilitated", `habilitation: ${habilitation.status}`);

  step("an authorization request (DAP): created, filed, accepted");
  const draft = ok(
    await api.POST("/v1/establishments/{establishment_id}/authorization-requests", {
      params: { path: { establishment_id: est.id } },
      body: {
        motive: "exceptional_circumstances",
        sub_motive: "coronavirus",
        scope: "reduction_whole",
        start_on: "2020-03-16",
        end_on: "2020-06-30",
        employees_concerned: 4,
        weekly_hours: "35",
        forecast_hours: "1500",
        justification: "Fermeture administrative liée à l'épidémie de covid-19.",
        previous_use: false,
        cse: { status: "not_required" },
      },
    }),
    201,
  );
  check(draft.status === "draft", `request: ${draft.status}`);
  const request = { params: { path: { request_id: draft.id } } };
  ok(
    await api.POST("/v1/authorization-requests/{request_id}/file", {
      ...request,
      body: { filed_at: "2020-03-20T10:00:00+01:00" },
    }),
  );
  const decided = ok(
    await api.POST("/v1/authorization-requests/{request_id}/decision", {
      ...request,
      body: {
        outcome: "accepted",
        decided_on: "2020-03-21",
        decision_number: "DEC-1",
        authorized_hours: "1000",
        authorized_employees: 3,
      },
    }),
  );
  check(decided.status === "accepted", `decision: ${decided.status}`);

  step("a monthly claim (DI) with its lines: created, filed, validated, paid");
  const lines: Schemas["LineInput"][] = [
    { employee_ref: "E1", employee_name: "Salarié E1", contract_hours: "151.67",
      hours_not_worked: "80", hourly_rate: "12.50" },
    { employee_ref: "E2", employee_name: "Salarié E2", contract_hours: "151.67",
      hours_not_worked: "80", hourly_rate: "12.50", nir: "1 85 05 78 006 084 91" },
  ]; // prettier-ignore
  const claim = ok(
    await api.POST("/v1/authorization-requests/{request_id}/claims", {
      ...request,
      body: { month: "2020-04", payroll_paid_on: "2020-04-30", lines },
    }),
    201,
  );
  check(claim.total_hours === "160.00", `total hours: ${claim.total_hours}`);
  check(claim.lines[1]?.nir === "1 ** ** ** *** *** 91", "the NIR is not masked");
  const onClaim = { params: { path: { claim_id: claim.id } } };
  ok(await api.POST("/v1/claims/{claim_id}/file", { ...onClaim, body: { filed_on: "2020-05-04" } }));
  ok(await api.POST("/v1/claims/{claim_id}/validate", { ...onClaim, body: { on: "2020-05-10" } }));
  const paid = ok(
    await api.POST("/v1/claims/{claim_id}/paid", {
      ...onClaim,
      body: { paid_on: "2020-05-15", amount: "1400.00" },
    }),
  );
  check(paid.status === "paid", `claim: ${paid.status}`);

  step("deadlines, the change feed, the claim's CSV export");
  const deadlines = ok(await api.GET("/v1/deadlines"));
  check(Array.isArray(deadlines.items), "deadlines: no items");
  const feed = ok(await api.GET("/v1/events", { params: { query: { after: "0", limit: 1000 } } }));
  const actions: string[] = feed.items.map((event) => event.action);
  for (const action of [
    "habilitation.habilitated",
    "authorization_request.filed",
    "authorization_request.accepted",
    "claim.filed",
    "claim.paid",
  ]) {
    check(actions.includes(action), `${action} not in the feed: ${actions.join(", ")}`);
  }
  const csv = ok(
    await api.GET("/v1/claims/{claim_id}/export", {
      params: { ...onClaim.params, query: { format: "csv" } },
      parseAs: "text",
    }),
  );
  const rows = csv.split(/\r?\n/).filter((row) => row);
  check(rows[0]?.startsWith("employee_ref;") === true, `CSV header: ${rows[0]}`);
  check(rows.at(-1)?.startsWith("TOTAL;") === true, `CSV last row: ${rows.at(-1)}`);
  check(!csv.includes("85 05"), "the CSV shows a NIR");

  step("an APLD agreement, validated; an APLD claim filed; the reduction meter");
  const agreement = ok(
    await api.POST("/v1/clients/{client_id}/apld-agreements", {
      params: { path: { client_id: company.id } },
      body: {
        type: "agreement",
        establishment_ids: [est.id],
        start_on: "2021-07-05",
        duration_months: 24,
        max_reduction: "40.00",
        activities: "Production et livraison",
        employees_covered: "Les salariés de la boulangerie",
        diagnostic: "Commandes en baisse de 45 % depuis mars 2020",
        commitments: "Aucun licenciement économique",
        information: "Bilan trimestriel aux délégués du personnel",
      },
    }),
    201,
  );
  const onAgreement = { params: { path: { agreement_id: agreement.id } } };
  ok(
    await api.POST("/v1/apld-agreements/{agreement_id}/documents/{kind}", {
      params: { path: { agreement_id: agreement.id, kind: "agreement" } },
      body: { document: new Blob([pdf], { type: "application/pdf" }) },
      bodySerializer: (body: Schemas["ApldDocumentUpload"]) => {
        const form = new FormData();
        form.append("document", body.document as Blob, "accord.pdf");
        return form;
      },
    }),
  );
  ok(
    await api.POST("/v1/apld-agreements/{agreement_id}/file", {
      ...onAgreement,
      body: { filed_at: "2021-07-06T09:30:00+02:00" },
    }),
  );
  const validated = ok(
    await api.POST("/v1/apld-agreements/{agreement_id}/decision", {
      ...onAgreement,
      body: { outcome: "validated", decided_on: "2021-07-12" },
    }),
  );
  check(validated.status === "validated", `agreement: ${validated.status}`);
  const apldClaim = ok(
    await api.POST("/v1/apld-agreements/{agreement_id}/claims", {
      ...onAgreement,
      body: { establishment_id: est.id, month: "2021-08", payroll_paid_on: "2021-08-31", lines },
    }),
    201,
  );
  const filedApld = ok(
    await api.POST("/v1/claims/{claim_id}/file", {
      params: { path: { claim_id: apldClaim.id } },
      body: { filed_on: "2021-09-03" },
    }),
  );
  check(filedApld.status === "filed", `APLD claim: ${filedApld.status}`);
  const meter = ok(await api.GET("/v1/apld-agreements/{agreement_id}/meter", onAgreement));
  const used = meter.items.map((entry) => `${entry.employee_ref}:${entry.used}`).sort();
  check(used.join(",") === "E1:80.00,E2:80.00", `meter: ${used.join(",")}`);
  for (const entry of meter.items) {
    check(entry.nir === null || entry.nir === "1 ** ** ** *** *** 91", "the meter shows a NIR");
  }

  step("an invalid SIRET: a problem the client parses");
  const valid = luhnComplete(`${siren}0002`);
  const wrong = valid.slice(0, -1) + String((Number(valid.slice(-1)) + 1) % 10);
  const refused = await api.POST("/v1/establishments", {
    body: { ...establishment, siret: wrong },
  });
  check(refused.response.status === 422, `invalid SIRET: ${refused.response.status}`);
  const problem: Schemas["Problem"] | undefined = refused.error;
  check(problem?.code === "validation_error", `problem: ${JSON.stringify(problem)}`);
  const field = problem.errors?.[0];
  check(field?.field === "siret" && field.type === "siret_checksum", JSON.stringify(field));

  step("a batch of establishments, in part; a CSV import checked by a dry run");
  const batch = ok(
    await api.POST("/v1/establishments/batch", {
      params: { query: { partial: true } },
      body: {
        items: [
          { ...establishment, siret: luhnComplete(`${siren}0003`), name: "Boulangerie de la Gare" },
          { ...establishment, siret: wrong },
        ],
      },
    }),
  );
  const statuses = batch.items.map((item) => item.status);
  check(statuses.join() === "201,422", `batch: ${JSON.stringify(batch.items)}`);
  check(batch.items[1]?.problem?.code === "validation_error", "the refused item's problem");
  const sheet =
    "\ufeffSIRET;Nom;Adresse;Effectif\n" +
    `${luhnComplete(`${siren}0004`)};Boulangerie du Marché;1 place Bisson, 56100 Lorient;12\n`;
  const report = ok(
    await api.POST("/v1/imports/establishments", {
      params: { query: { dry_run: true } },
      body: { file: new Blob([sheet], { type: "text/csv" }) },
      bodySerializer: (body) => {
        const form = new FormData();
        form.append("file", body.file, "etablissements.csv");
        return form;
      },
    }),
  );
  check(!report.written && report.failed === 0, `import: ${JSON.stringify(report)}`);
  check(report.items[0]?.line === 2, `import line: ${JSON.stringify(report.items)}`);
  console.log("typescript client: the whole scenario passed");
}

const base = process.argv[2];
check(base !== undefined, "usage: node out/scenario.js BASE_URL");
await main(base);
