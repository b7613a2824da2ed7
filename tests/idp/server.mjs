// A loopback OpenID Provider for the identity tests (panva oidc-provider); never for production.
//
// Environment:
//   PORT           port on 127.0.0.1 (the issuer is http://127.0.0.1:PORT)
//   PROFILE        "police" or "municipality": which users, clients and claims it serves
//   REDIRECT_URIS  comma-separated callback URLs the browser client may use
//   LOGOUT_URIS    comma-separated post-logout redirect URLs (optional)
//   AUDIENCE       the API audience of access tokens (default urn:samverkan:api)
//   ROTATE=1       start with a second signing key prepended (the older one stays published)
//
// POST /__admin/rotate prepends a fresh signing key at runtime, so tests can prove that a
// validator picks up a new key id without a restart. Login uses oidc-provider's dev
// interactions: any password is accepted for the listed users.
import http from 'node:http';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';

const PORT = Number(process.env.PORT || 3000);
const ISSUER = `http://127.0.0.1:${PORT}`;
const PROFILE = process.env.PROFILE || 'police';
const AUDIENCE = process.env.AUDIENCE || 'urn:samverkan:api';
const list = (raw) => (raw || '').split(',').map((s) => s.trim()).filter(Boolean);
const REDIRECT_URIS = list(process.env.REDIRECT_URIS);
const LOGOUT_URIS = list(process.env.LOGOUT_URIS);

// Claim shapes differ on purpose: the police issuer names roles in "groups" and serves several
// police areas through the "org" claim; the municipality issuer uses Entra ID-style app roles.
const PROFILES = {
  police: {
    rolesClaim: 'groups',
    users: {
      'p-signatory': { name: 'Petra Polis', org: 'LPO Järfälla', roles: ['SAMVERKAN_UNDERTECKNARE'] },
      'p-editor': { name: 'Erik Polis', org: 'LPO Järfälla', roles: ['SAMVERKAN_REDAKTOR'] },
      'p-admin': { name: 'Anna Polis', org: 'LPO Järfälla', roles: ['SAMVERKAN_ADMIN'] },
      // Claims an organisation the police issuer may not speak for.
      'p-rogue': { name: 'Rolf Polis', org: 'Upplands-Bro kommun', roles: ['SAMVERKAN_UNDERTECKNARE'] },
    },
    services: {
      'police-svc': { secret: 'police-svc-secret', org: 'LPO Järfälla', roles: ['SAMVERKAN_TJANST'] },
    },
  },
  municipality: {
    rolesClaim: 'roles',
    users: {
      'ub-editor': { name: 'Ulla Bro', org: 'Upplands-Bro kommun', roles: ['Samverkan.Editor'] },
      'ub-signatory': { name: 'Sven Bro', org: 'Upplands-Bro kommun', roles: ['Samverkan.Signatory'] },
      'ub-publisher': { name: 'Pia Bro', org: 'Upplands-Bro kommun', roles: ['Samverkan.Publisher'] },
      'ub-admin': { name: 'Adam Bro', org: 'Upplands-Bro kommun', roles: ['Samverkan.Admin'] },
      'arjeplog-editor': { name: 'Aili Arjeplog', org: 'Arjeplogs kommun', roles: ['Samverkan.Editor'] },
      auditor: { name: 'Greta Granskare', org: 'Upplands-Bro kommun', roles: ['Samverkan.Auditor'] },
    },
    services: {
      'ub-svc': { secret: 'ub-svc-secret', org: 'Upplands-Bro kommun', roles: ['Samverkan.Service'] },
    },
  },
};
const profile = PROFILES[PROFILE];
if (!profile) throw new Error(`unknown PROFILE ${PROFILE}`);

function newKey() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = `${PROFILE}-${Date.now()}-${crypto.randomBytes(4).toString('hex')}`;
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
}

let keys = [newKey()];
if (process.env.ROTATE === '1') keys = [newKey(), ...keys];

function claimsOf(who) {
  return { org: who.org, [profile.rolesClaim]: who.roles };
}

function build() {
  const clients = [
    {
      client_id: 'samverkan-web',
      client_secret: 'web-secret',
      redirect_uris: REDIRECT_URIS,
      post_logout_redirect_uris: LOGOUT_URIS,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    ...Object.entries(profile.services).map(([id, svc]) => ({
      client_id: id,
      client_secret: svc.secret,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
    })),
  ];
  return new Provider(ISSUER, {
    jwks: { keys },
    cookies: { keys: ['test-only-cookie-key'] },
    clients,
    pkce: { required: () => true },
    conformIdTokenClaims: false,
    scopes: ['openid', 'profile', 'org', 'api'],
    claims: { openid: ['sub'], profile: ['name'], org: ['org', profile.rolesClaim] },
    async findAccount(_ctx, id) {
      const user = profile.users[id];
      if (!user) return undefined;
      return { accountId: id, async claims() { return { sub: id, name: user.name, ...claimsOf(user) }; } };
    },
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'api',
          audience: AUDIENCE,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 300,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    async extraTokenClaims(_ctx, token) {
      if (token.accountId) {
        const user = profile.users[token.accountId];
        return user ? claimsOf(user) : {};
      }
      const svc = profile.services[token.clientId];
      return svc ? claimsOf(svc) : {};
    },
  });
}

let provider = build();
provider.on('server_error', (_ctx, err) => console.error('server_error', err));

const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/__admin/rotate') {
    keys = [newKey(), ...keys].slice(0, 3);
    provider = build();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kids: keys.map((k) => k.kid) }));
    return;
  }
  provider.callback()(req, res);
});
server.listen(PORT, '127.0.0.1', () => {
  console.log(`issuer ${ISSUER} profile=${PROFILE} kids=${keys.map((k) => k.kid).join(',')}`);
});
const stop = () => { server.close(() => process.exit(0)); server.closeAllConnections(); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
