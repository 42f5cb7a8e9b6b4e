#!/usr/bin/env node
// Provisions an out-of-band OAuth client end to end with node-soap (npm
// package "soap", pinned in package.json), on a login session alone.
//
// Usage: node full_flow.js BASE_URL PROFILE USER PASSWORD
//
// BASE_URL is the server's base address (http://127.0.0.1:PORT); PROFILE its
// wire profile (any, is-5.0 to is-next). Every SOAP client is built from the
// served ?wsdl of its service and calls the service's SOAP 1.1 port; what
// differs between releases (one-way or in-out void operations, a
// createApplication that returns the new id) is read from that WSDL; one extra
// client, with forceSoap12Headers, reads the OAuth client over the SOAP 1.2
// port. After login no request carries Basic credentials: the JSESSIONID
// cookie that login set authenticates the SOAP calls and the store API's
// JSON requests alike.
//
// Steps: login, createApplication, registerOAuthApplicationData with a
// supplied key and secret, getApplication, updateApplication linking the
// client (oauth2 inbound), getApplication and getOAuthApplicationData read
// it back, the store maps the keys (mode MAPPED), deleteApplication spares
// the MAPPED client, deleting the store application spares it too, logout
// ends the session (HTTP 401 for the old cookie). Each step prints one line;
// the first failure exits non-zero.

'use strict';

let soap;
try {
  soap = require('soap');
} catch (e) {
  console.log(`FAIL: cannot load node-soap (npm ci --prefix testdata/nodesoap): ${e.message}`);
  process.exit(3);
}
const soapVersion = require('soap/package.json').version;

const AXIS2_NS = 'http://org.apache.axis2/xsd';
const MODEL_NS = 'http://model.common.application.identity.carbon.wso2.org/xsd';
const DTO_NS = 'http://dto.oauth.identity.carbon.wso2.org/xsd';
const AUTH_NS = 'http://authentication.services.core.carbon.wso2.org';
const SOAP11_ENV = 'http://schemas.xmlsoap.org/soap/envelope/';
const SOAP12_ENV = 'http://www.w3.org/2003/05/soap-envelope';
const STORE = '/api/am/devportal/v3';

class StepFailed extends Error {}

function check(cond, msg) {
  if (!cond) throw new StepFailed(msg);
}

function step(msg) {
  console.log('ok   ' + msg);
}

const show = (v) => JSON.stringify(v);

// asList returns a repeated element as an array: node-soap gives a single
// occurrence as an object and several as an array.
function asList(v) {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

// isNil tells a nil element (<x xsi:nil="true"/>) as node-soap parses it
// without handleNilAsNull: an object holding only the attribute.
function isNil(v) {
  if (v === undefined || v === null) return true;
  const a = v.attributes;
  return typeof v === 'object' && a !== undefined && Object.keys(v).length === 1 &&
    Object.entries(a).some(([k, val]) => /(^|:)nil$/.test(k) && (val === 'true' || val === '1'));
}

// stripAttributes drops the attributes node-soap kept from a response
// (xsi:type with the server's prefixes, xsi:nil) before an object is sent
// back: its prefixes are declared in the response, not in the request.
// Nil values become absent.
function stripAttributes(v) {
  if (Array.isArray(v)) return v.filter((x) => !isNil(x)).map(stripAttributes);
  if (v === null || typeof v !== 'object') return v;
  const out = {};
  for (const [k, val] of Object.entries(v)) {
    if (k === 'attributes' || isNil(val)) continue;
    out[k] = stripAttributes(val);
  }
  return out;
}

// elementsOf lists the elements of a request envelope with the namespace
// each resolves to and its depth, to check what node-soap put on the wire.
// A small scan of tags: enough for the requests node-soap writes (no
// comments, CDATA or ">" inside attribute values).
function elementsOf(xml) {
  const out = [];
  const stack = [{}];
  const re = /<(\/?)([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)((?:\s+[\w:.-]+\s*=\s*"[^"]*")*)\s*(\/?)>/g;
  let m;
  while ((m = re.exec(xml)) !== null) {
    const [, close, prefix, local, attrs, selfClose] = m;
    if (close) {
      stack.pop();
      continue;
    }
    const scope = Object.assign({}, stack[stack.length - 1]);
    for (const a of attrs.matchAll(/([\w:.-]+)\s*=\s*"([^"]*)"/g)) {
      if (a[1] === 'xmlns') scope[''] = a[2];
      else if (a[1].startsWith('xmlns:')) scope[a[1].slice(6)] = a[2];
    }
    const p = prefix ? prefix.slice(0, -1) : '';
    out.push({ local, ns: scope[p], depth: stack.length });
    if (!selfClose) stack.push(scope);
  }
  return out;
}

// A node-soap client of one service, bound to one port, with the session
// cookie and a record of the last exchange.
class Service {
  constructor(flow, name, client, port) {
    this.flow = flow;
    this.name = name;
    this.client = client;
    this.port = port;
    this.methods = client[name][port];
    check(this.methods, `${name}: the WSDL has no port ${port}: ${show(Object.keys(client.describe()[name] || {}))}`);
    this.last = null;
    client.on('response', (body, response) => {
      this.last = { status: response && response.status, body };
    });
  }

  // call runs an operation on the bound port and resolves to its result;
  // a failed call rejects with node-soap's error.
  call(op, args) {
    const method = this.methods[op];
    check(typeof method === 'function', `${this.name}: no operation ${op} on ${this.port}`);
    this.last = null;
    return new Promise((resolve, reject) => {
      method(args, (err, result) => (err ? reject(err) : resolve(result)));
    }).then((result) => {
      if (process.env.FULL_FLOW_TRACE) {
        console.log(`--> ${this.client.lastEndpoint} ${show(this.client.lastRequestHeaders)}\n${this.client.lastRequest}`);
        console.log(`<-- HTTP ${this.last && this.last.status}\n${this.last && this.last.body}\n=== ${show(result)}`);
      }
      this.flow.checkSent(this, op);
      return result;
    });
  }

  // answerOf tells what the WSDL says op answers: 'one-way' (no output
  // message), 'return' (an output with a return element) or 'void' (an
  // output without one, answered with a nil return).
  answerOf(op) {
    const types = this.client.wsdl.definitions.portTypes;
    const method = types[Object.keys(types)[0]].methods[op];
    if (!method || !method.output) return 'one-way';
    const out = this.client.describe()[this.name][this.port][op].output;
    return out && Object.prototype.hasOwnProperty.call(out, 'return') ? 'return' : 'void';
  }

  // void runs a void operation: a one-way one answers HTTP 202 with an
  // empty body, an in-out one HTTP 200 with <return xsi:nil="true"/>.
  async void(op, args) {
    const oneWay = this.answerOf(op) === 'one-way';
    const result = await this.call(op, args);
    const { status, body } = this.last || {};
    if (oneWay) {
      check(status === 202 && !String(body || '').trim(),
        `${op}: want HTTP 202 with an empty body, got ${status} ${show(String(body).slice(0, 500))}`);
      check(result === null || result === undefined, `${op}: one-way result ${show(result)}`);
      return 'one-way: HTTP 202, empty body';
    }
    check(status === 200, `${op}: HTTP ${status}`);
    check(/<(\w+:)?return\b[^>]*\bnil="(true|1)"[^>]*\/>/.test(String(body)),
      `${op}: want a nil return, got ${show(String(body).slice(0, 500))}`);
    check(isNil(result && result.return), `${op}: result ${show(result)}`);
    return 'HTTP 200, nil return';
  }

  // refused runs op, which must fail with HTTP status.
  async refused(op, args, status) {
    let result;
    try {
      result = await this.call(op, args);
    } catch (e) {
      if (e instanceof StepFailed) throw e;
      const got = e.response && e.response.status;
      check(got === status, `${this.name}.${op}: want HTTP ${status}, got ${got} (${e.message})`);
      return;
    }
    throw new StepFailed(`${this.name}.${op}: want HTTP ${status}, succeeded with ${show(result)}`);
  }
}

class Flow {
  constructor(base, profile, user, password) {
    this.base = base;
    this.profile = profile;
    this.user = user;
    this.password = password;
    this.cookie = null;
  }

  async service(name, soap12) {
    const client = await soap.createClientAsync(`${this.base}/services/${name}?wsdl`, {
      forceSoap12Headers: !!soap12,
      disableCache: true,
    });
    const ports = Object.keys(client.describe()[name] || {});
    const port = `${name}HttpsSoap${soap12 ? 12 : 11}Endpoint`;
    check(ports.includes(port), `${name}: ports ${show(ports)} lack ${port}`);
    if (this.cookie) client.addHttpHeader('Cookie', this.cookie);
    const s = new Service(this, name, client, port);
    s.soap12 = !!soap12;
    return s;
  }

  // checkSent checks the request node-soap sent: the port's address, the
  // SOAP version's headers and envelope, the session cookie and no Basic
  // credentials, and every element in the namespace the WSDL gives it.
  checkSent(s, op) {
    const c = s.client;
    check(c.lastEndpoint.replace(/\/$/, '').endsWith('.' + s.port), `${op}: posted to ${c.lastEndpoint}, want the ${s.port} address`);
    const h = c.lastRequestHeaders || {};
    const ct = String(h['Content-Type'] || '');
    if (s.soap12) {
      check(ct.startsWith('application/soap+xml') && ct.includes(`action="urn:${op}"`), `${op}: SOAP 1.2 Content-Type ${show(ct)}`);
    } else {
      check(ct.startsWith('text/xml') && h.SOAPAction === `"urn:${op}"`, `${op}: SOAP 1.1 headers ${show(ct)} ${show(h.SOAPAction)}`);
    }
    check(!h.Authorization, `${op}: sent an Authorization header`);
    if (this.cookie) check(h.Cookie === this.cookie, `${op}: Cookie ${show(h.Cookie)}, want ${show(this.cookie)}`);
    const els = elementsOf(c.lastRequest);
    const env = s.soap12 ? SOAP12_ENV : SOAP11_ENV;
    check(els[0].local === 'Envelope' && els[0].ns === env, `${op}: envelope ${show(els[0])}`);
    const wrapper = els.find((e) => e.local === op);
    const wrapperNS = s.name === 'AuthenticationAdmin' ? AUTH_NS : AXIS2_NS;
    check(wrapper && wrapper.ns === wrapperNS, `${op}: wrapper element ${show(wrapper)}, want namespace ${wrapperNS}\n${c.lastRequest}`);
    for (const e of els) {
      if (e.ns === env) continue;
      // Parameters are in the wrapper's namespace; the fields of
      // ServiceProvider (and its parts) and of OAuthConsumerAppDTO in
      // their types' namespaces.
      let want = wrapperNS;
      if (e.depth > wrapper.depth + 1) want = s.name === 'OAuthAdminService' ? DTO_NS : MODEL_NS;
      check(e.ns === want, `${op}: element ${e.local} in namespace ${show(e.ns)}, want ${want}\n${c.lastRequest}`);
    }
  }

  async store(method, path, want, body) {
    const headers = { Accept: 'application/json' };
    if (this.cookie) headers.Cookie = this.cookie;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(this.base + STORE + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30000),
    });
    const text = await r.text();
    check(r.status === want, `store ${method} ${path}: HTTP ${r.status}, want ${want}: ${text.slice(0, 500)}`);
    return text ? JSON.parse(text) : null;
  }
}

function inbound(sp) {
  const ia = sp.inboundAuthenticationConfig;
  return isNil(ia) ? [] : asList(ia.inboundAuthenticationRequestConfigs).filter((ic) => !isNil(ic));
}

function props(ic) {
  const out = {};
  for (const p of asList(ic.properties)) {
    if (isNil(p)) continue;
    (out[p.name] = out[p.name] || []).push(p.value);
  }
  return out;
}

async function run(base, profile, user, password) {
  const flow = new Flow(base, profile, user, password);
  const spName = 'node-full-sp-' + profile;
  const key = 'node-full-key-' + profile;
  const secret = 'node-full-secret-' + profile;

  const auth = await flow.service('AuthenticationAdmin');
  const ok = await auth.call('login', { username: user, password, remoteAddress: '127.0.0.1' });
  check(ok && ok.return === true, `login: ${show(ok)}`);
  const setCookie = asList((auth.client.lastResponseHeaders || {})['set-cookie']);
  const jsession = setCookie.map((c) => c.split(';')[0]).find((c) => c.startsWith('JSESSIONID='));
  check(jsession && jsession.length > 'JSESSIONID='.length, `login set no JSESSIONID cookie: ${show(setCookie)}`);
  flow.cookie = jsession;
  auth.client.addHttpHeader('Cookie', jsession);
  step('AuthenticationAdmin.login: session cookie set');

  const apps = await flow.service('IdentityApplicationManagementService');
  const oauth = await flow.service('OAuthAdminService');
  step('clients built from the served WSDLs, SOAP 1.1 ports');

  const newSP = { serviceProvider: { applicationName: spName, description: 'node-soap full flow' } };
  const returnsId = apps.answerOf('createApplication') === 'return';
  let createdId = null;
  if (returnsId) {
    const created = await apps.call('createApplication', newSP);
    createdId = Number(created && created.return);
    check(Number.isInteger(createdId) && createdId > 0, `createApplication returns the new id, got ${show(created)}`);
    step(`createApplication ${spName} (returned ${createdId})`);
  } else {
    step(`createApplication ${spName} (${await apps.void('createApplication', newSP)})`);
  }

  let w = await oauth.void('registerOAuthApplicationData', {
    application: {
      OAuthVersion: 'OAuth-2.0', applicationName: spName + '-client', callbackUrl: 'https://node.example/callback',
      grantTypes: 'client_credentials', oauthConsumerKey: key, oauthConsumerSecret: secret,
    },
  });
  step(`registerOAuthApplicationData with supplied key ${key} (${w})`);

  let sp = (await apps.call('getApplication', { applicationName: spName })).return;
  check(!isNil(sp) && sp.applicationName === spName, `getApplication: ${show(sp)}`);
  const appId = Number(sp.applicationID);
  check(Number.isInteger(appId) && appId > 0, `applicationID ${show(sp.applicationID)}`);
  if (returnsId) check(appId === createdId, `applicationID ${appId}, createApplication said ${createdId}`);
  check(!inbound(sp).some((ic) => ic.inboundAuthKey === key), `a fresh service provider links ${key}`);
  step(`getApplication: applicationID ${appId}`);

  // Send the service provider read back, with the client linked, as the
  // Carbon console does.
  const linked = stripAttributes(sp);
  linked.inboundAuthenticationConfig = { inboundAuthenticationRequestConfigs: [{ inboundAuthKey: key, inboundAuthType: 'oauth2' }] };
  w = await apps.void('updateApplication', { serviceProvider: linked });
  step(`updateApplication links ${key} as oauth2 inbound (${w})`);

  sp = (await apps.call('getApplication', { applicationName: spName })).return;
  const ics = inbound(sp).filter((ic) => ic.inboundAuthType === 'oauth2');
  check(ics.length === 1 && ics[0].inboundAuthKey === key, `getApplication: oauth2 inbound ${show(inbound(sp))}`);
  check(show(props(ics[0]).oauthConsumerSecret) === show([secret]),
    `inbound property oauthConsumerSecret ${show(props(ics[0]).oauthConsumerSecret)}, want [${show(secret)}]`);
  step(`getApplication: oauth2 inbound ${key} with property oauthConsumerSecret`);

  let client = (await oauth.call('getOAuthApplicationData', { consumerKey: key })).return;
  check(!isNil(client) && client.oauthConsumerKey === key && client.oauthConsumerSecret === secret, `getOAuthApplicationData: ${show(client)}`);
  check(client.applicationName === spName + '-client', `applicationName ${show(client.applicationName)}`);
  step('getOAuthApplicationData: key and secret');

  const oauth12 = await flow.service('OAuthAdminService', true);
  client = (await oauth12.call('getOAuthApplicationData', { consumerKey: key })).return;
  check(oauth12.last.status === 200, `SOAP 1.2 getOAuthApplicationData: HTTP ${oauth12.last.status}`);
  check(/^<\?xml[^>]*\?>\s*<(\w+):Envelope xmlns:\1="http:\/\/www\.w3\.org\/2003\/05\/soap-envelope"/.test(String(oauth12.last.body)),
    `SOAP 1.2 answer is not a SOAP 1.2 envelope: ${String(oauth12.last.body).slice(0, 300)}`);
  const ct12 = String((oauth12.client.lastResponseHeaders || {})['content-type']);
  check(ct12.startsWith('application/soap+xml'), `SOAP 1.2 answer Content-Type ${show(ct12)}`);
  check(!isNil(client) && client.oauthConsumerKey === key && client.oauthConsumerSecret === secret, `SOAP 1.2 getOAuthApplicationData: ${show(client)}`);
  step('SOAP 1.2 (forceSoap12Headers) getOAuthApplicationData on the Soap12 port: key and secret');

  const storeApp = await flow.store('POST', '/applications', 201, { name: 'node-full-' + profile, throttlingPolicy: 'Unlimited' });
  const storeId = storeApp && storeApp.applicationId;
  check(storeId, `store application without applicationId: ${show(storeApp)}`);
  step(`store: application ${storeId} created on the session cookie`);

  const mapped = await flow.store('POST', `/applications/${storeId}/map-keys`, 200, { consumerKey: key, consumerSecret: secret, keyType: 'PRODUCTION' });
  check(mapped.mode === 'MAPPED' && mapped.consumerKey === key && mapped.keyType === 'PRODUCTION', `map-keys answered ${show(mapped)}`);
  check(mapped.provisioning === 'FOUND', `map-keys provisioning ${show(mapped.provisioning)}, want FOUND`);
  step(`store: map-keys PRODUCTION ${key} (mode MAPPED, provisioning FOUND)`);

  const keys = await flow.store('GET', `/applications/${storeId}/oauth-keys`, 200);
  const listed = (keys.list || []).map((k) => [k.consumerKey, k.keyType, k.mode, k.consumerSecret]);
  check(show(listed) === show([[key, 'PRODUCTION', 'MAPPED', secret]]), `oauth-keys ${show(listed)}`);
  step(`store: oauth-keys shows ${key} MAPPED`);

  w = await apps.void('deleteApplication', { applicationName: spName });
  sp = await apps.call('getApplication', { applicationName: spName });
  check(isNil(sp && sp.return), `getApplication after deleteApplication: ${show(sp)}`);
  const names = asList((await apps.call('getAllApplicationBasicInfo', {}) || {}).return).map((i) => i.applicationName);
  check(!names.includes(spName), `still listed after deleteApplication: ${show(names)}`);
  step(`deleteApplication ${spName} (${w})`);

  client = (await oauth.call('getOAuthApplicationData', { consumerKey: key })).return;
  check(!isNil(client) && client.oauthConsumerKey === key && client.oauthConsumerSecret === secret,
    `the MAPPED client did not survive its service provider: ${show(client)}`);
  step('getOAuthApplicationData: the MAPPED client survives the service provider');

  await flow.store('DELETE', `/applications/${storeId}`, 200);
  await flow.store('GET', `/applications/${storeId}`, 404);
  client = (await oauth.call('getOAuthApplicationData', { consumerKey: key })).return;
  check(!isNil(client) && client.oauthConsumerSecret === secret, `the MAPPED client did not survive its store application: ${show(client)}`);
  step('store: application deleted, the client survives');

  const out = await auth.call('logout', {});
  check(auth.last.status === 200 || auth.last.status === 202, `logout: HTTP ${auth.last.status} ${show(out)}`);
  // node-soap keeps no cookie jar: every client still sends the old cookie.
  await oauth.refused('getOAuthApplicationData', { consumerKey: key }, 401);
  await apps.refused('getAllApplicationBasicInfo', {}, 401);
  await flow.store('GET', '/applications', 401);
  step('logout: the old cookie gets HTTP 401 from both services and the store');
}

async function main(argv) {
  if (argv.length !== 4) {
    console.log('usage: node full_flow.js BASE_URL PROFILE USER PASSWORD');
    return 2;
  }
  const [base, profile, user, password] = argv;
  try {
    await run(base.replace(/\/+$/, ''), profile, user, password);
  } catch (e) {
    if (e instanceof StepFailed) {
      console.log('FAIL: ' + e.message);
    } else {
      const status = e.response && e.response.status;
      console.log(`FAIL: ${e.name}: ${e.message}${status ? ` (HTTP ${status})` : ''}`);
      if (e.body) console.log(String(e.body).slice(0, 2000));
      console.log(e.stack);
    }
    return 1;
  }
  console.log(`PASS: node-soap ${soapVersion}, node ${process.version}, profile ${profile}`);
  return 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code));
