'use strict';
// The npm soap package's server answering OAuthAdminService from the WSDL
// isadmin serves, with a canned OAuthConsumerAppDTO: the peer that the
// benchmark compares isadmin with. No authentication, no database.
//
// Usage: node server.js --wsdl FILE --response FILE [--addr 127.0.0.1:19801]
//
// --response is a captured getOAuthApplicationData response of isadmin; the
// canned object carries its fields and values (nil fields as null).

const fs = require('fs');
const http = require('http');
const soap = require('soap');

function flag(name, def) {
  const i = process.argv.indexOf('--' + name);
  if (i >= 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  if (def === undefined) {
    console.error(`missing --${name}`);
    process.exit(2);
  }
  return def;
}

const wsdlXml = fs.readFileSync(flag('wsdl'), 'utf8');
const captured = fs.readFileSync(flag('response'), 'utf8');
const [host, port] = flag('addr', '127.0.0.1:19801').split(/:(?=\d+$)/);

// cannedApp reads the DTO's fields from the captured response, in order.
function cannedApp(xml) {
  const start = xml.indexOf('<ns:return');
  const body = xml.slice(xml.indexOf('>', start) + 1, xml.indexOf('</ns:return>'));
  const app = {};
  const re = /<ax\d+:(\w+)(?: xsi:nil="true"\/>|>([^<]*)<\/ax\d+:\1>)/g;
  let m;
  while ((m = re.exec(body)) !== null) {
    app[m[1]] = m[2] === undefined ? null : unescape(m[2]);
  }
  if (Object.keys(app).length === 0) throw new Error('no DTO fields in the captured response');
  return app;
}

function unescape(s) {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

const app = cannedApp(captured);
const ops = {
  getOAuthApplicationData(args) {
    return { return: app };
  },
};
const service = { OAuthAdminService: {} };
for (const p of ['OAuthAdminServiceHttpsSoap11Endpoint', 'OAuthAdminServiceHttpsSoap12Endpoint', 'OAuthAdminServiceHttpsEndpoint']) {
  service.OAuthAdminService[p] = ops;
}

const server = http.createServer((req, res) => {
  res.statusCode = 404;
  res.end();
});
server.keepAliveTimeout = 120000;
server.headersTimeout = 121000;
server.listen(Number(port), host, () => {
  soap.listen(server, '/services/OAuthAdminService', service, wsdlXml, () => {
    console.log(`nodesoap-peer listening on http://${host}:${port}/services/OAuthAdminService (${Object.keys(app).length} fields)`);
  });
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => server.close(() => process.exit(0)));
}
