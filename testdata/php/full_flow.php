<?php
/*
 * PHP's SoapClient, in WSDL mode, over HTTPS, through the whole admin flow.
 *
 * Usage: php full_flow.php BASE_URL PROFILE USER PASSWORD
 *
 * BASE_URL is the server's HTTPS base address (https://127.0.0.1:PORT);
 * PROFILE its wire profile. Every client is built from the served ?wsdl of
 * its service, and every client's first call goes out on a fresh TLS
 * connection (a new SoapClient opens its own). Which void operations are
 * one-way is read from the served WSDL (an operation without an output
 * message), as SoapClient itself decides.
 *
 * Steps: login (AuthenticationAdmin, SOAP 1.1); with HTTP Basic on
 * OAuthAdminService: registerOAuthApplicationData with a supplied key and
 * secret, getOAuthApplicationData, updateConsumerApplication,
 * getAllOAuthApplicationData, the same read over SOAP 1.2,
 * removeOAuthApplicationData; a second client is registered, and with the
 * login's session cookie alone on IdentityApplicationManagementService:
 * createApplication, updateApplication linking it (oauth2 inbound),
 * getApplication reads the link back, deleteApplication; logout ends the
 * session (the old cookie gets HTTP 401). Each step prints one line; the
 * first failure exits 1.
 */

error_reporting(E_ALL);
ini_set('default_socket_timeout', '30');

if ($argc != 5) {
    fwrite(STDERR, "usage: php full_flow.php BASE_URL PROFILE USER PASSWORD\n");
    exit(2);
}
[$_, $base, $profile, $user, $password] = $argv;

class StepFailed extends Exception {}

function check($cond, $msg) {
    if (!$cond) {
        throw new StepFailed($msg);
    }
}

function step($msg) {
    echo "ok   $msg\n";
    flush();
}

// The server's certificate is self-signed.
function context() {
    return stream_context_create(['ssl' => [
        'verify_peer' => false, 'verify_peer_name' => false, 'allow_self_signed' => true,
    ]]);
}

function client($base, $service, $options = []) {
    return new SoapClient("$base/services/$service?wsdl", $options + [
        'trace' => true,
        'exceptions' => true,
        'cache_wsdl' => WSDL_CACHE_NONE,
        'stream_context' => context(),
        'soap_version' => SOAP_1_1,
        'features' => SOAP_SINGLE_ELEMENT_ARRAYS,
    ]);
}

function status($c) {
    $h = $c->__getLastResponseHeaders();
    check(preg_match('#^HTTP/1\.1 (\d{3})#', (string)$h, $m) === 1, "no HTTP/1.1 status line in:\n$h");
    return (int)$m[1];
}

// one_way tells whether the served WSDL of $service declares $op without
// an output message.
function one_way($base, $service, $op) {
    static $docs = [];
    if (!isset($docs[$service])) {
        $xml = file_get_contents("$base/services/$service?wsdl", false, context());
        check($xml !== false, "$service?wsdl: not read");
        $doc = new DOMDocument();
        check($doc->loadXML($xml), "$service?wsdl: not XML");
        $docs[$service] = new DOMXPath($doc);
        $docs[$service]->registerNamespace('w', 'http://schemas.xmlsoap.org/wsdl/');
    }
    $ops = $docs[$service]->query("//w:portType/w:operation[@name='$op']");
    check($ops->length == 1, "$service?wsdl: operation $op not in the port type");
    return $docs[$service]->query('w:output', $ops->item(0))->length == 0;
}

// A void operation. SoapClient sends a one-way operation (no output
// message in the WSDL) and closes the connection without reading the
// answer, so there is nothing to check but that it read none: the effect
// is checked by the next step. The others answer 200 with a nil return.
function void_answer($c, $what, $oneWay) {
    if ($oneWay) {
        check($c->__getLastResponse() === null || $c->__getLastResponse() === '', "$what: SoapClient read an answer to a one-way call");
        return 'one-way: sent, connection closed unread';
    }
    $st = status($c);
    $body = (string)$c->__getLastResponse();
    check($st == 200 && preg_match('#<ns:return [^>]*xsi:nil="true"#', $body) === 1, "$what: want HTTP 200 with a nil return, got $st: $body");
    return 'HTTP 200, nil return';
}

// SoapClient does not wait for a one-way call to finish, so the step that
// checks its effect may run first: it is retried for up to five seconds.
function eventually($what, callable $cond) {
    $deadline = microtime(true) + 5;
    while (true) {
        try {
            if ($cond()) {
                return;
            }
            $why = 'condition false';
        } catch (Throwable $e) {
            $why = get_class($e) . ': ' . $e->getMessage();
        }
        check(microtime(true) < $deadline, "$what: not within 5 s ($why)");
        usleep(20000);
    }
}

try {
    $tag = substr(md5((string)microtime(true)), 0, 8);
    $key = "php-key-$tag";
    $secret = "php-secret-$tag";

    // Login: the first request of a fresh client on a fresh connection.
    $auth = client($base, 'AuthenticationAdmin');
    $ok = $auth->login(['username' => $user, 'password' => $password, 'remoteAddress' => '127.0.0.1']);
    check($ok->return === true, 'login answered ' . var_export($ok->return, true));
    $cookies = $auth->__getCookies();
    check(isset($cookies['JSESSIONID'][0]) && $cookies['JSESSIONID'][0] !== '', 'login set no JSESSIONID');
    $session = $cookies['JSESSIONID'][0];
    step('login: true, JSESSIONID set');

    // OAuthAdminService with HTTP Basic.
    $oauth = client($base, 'OAuthAdminService', ['login' => $user, 'password' => $password]);
    $oauth->registerOAuthApplicationData(['application' => [
        'OAuthVersion' => 'OAuth-2.0',
        'applicationName' => "php-app-$tag",
        'callbackUrl' => 'https://localhost/php/callback',
        'grantTypes' => 'authorization_code client_credentials',
        'oauthConsumerKey' => $key,
        'oauthConsumerSecret' => $secret,
    ]]);
    step('registerOAuthApplicationData (first call of its client): ' . void_answer($oauth, 'registerOAuthApplicationData', one_way($base, 'OAuthAdminService', 'registerOAuthApplicationData')));

    eventually('the registered client', function () use ($oauth, $key) {
        return $oauth->getOAuthApplicationData(['consumerKey' => $key])->return->oauthConsumerKey === $key;
    });
    $app = $oauth->getOAuthApplicationData(['consumerKey' => $key])->return;
    check($app->oauthConsumerKey === $key && $app->oauthConsumerSecret === $secret, 'getOAuthApplicationData: key or secret differ: ' . print_r($app, true));
    check($app->applicationName === "php-app-$tag", "getOAuthApplicationData: name $app->applicationName");
    check($app->callbackUrl === 'https://localhost/php/callback', "getOAuthApplicationData: callback $app->callbackUrl");
    step("getOAuthApplicationData: $app->applicationName");

    $app->callbackUrl = 'https://localhost/php/updated';
    $oauth->updateConsumerApplication(['consumerAppDTO' => $app]);
    step('updateConsumerApplication: ' . void_answer($oauth, 'updateConsumerApplication', one_way($base, 'OAuthAdminService', 'updateConsumerApplication')));
    eventually('the updated callback', function () use ($oauth, $key) {
        return $oauth->getOAuthApplicationData(['consumerKey' => $key])->return->callbackUrl === 'https://localhost/php/updated';
    });
    step('getOAuthApplicationData after the update: callback changed');

    $all = $oauth->getAllOAuthApplicationData();
    $keys = [];
    foreach ((array)($all->return ?? []) as $a) {
        $keys[] = $a->oauthConsumerKey;
    }
    check(in_array($key, $keys, true), 'getAllOAuthApplicationData lacks the client: ' . implode(', ', $keys));
    step('getAllOAuthApplicationData: ' . count($keys) . ' client(s)');

    $oauth12 = client($base, 'OAuthAdminService', ['login' => $user, 'password' => $password, 'soap_version' => SOAP_1_2]);
    $app12 = $oauth12->getOAuthApplicationData(['consumerKey' => $key])->return;
    check($app12->oauthConsumerKey === $key, 'SOAP 1.2 read: ' . print_r($app12, true));
    check(stripos($oauth12->__getLastResponseHeaders(), 'Content-Type: application/soap+xml') !== false, "SOAP 1.2 answer's content type:\n" . $oauth12->__getLastResponseHeaders());
    step('getOAuthApplicationData over SOAP 1.2 (first call of its client)');

    $oauth->removeOAuthApplicationData(['consumerKey' => $key]);
    step('removeOAuthApplicationData: ' . void_answer($oauth, 'removeOAuthApplicationData', one_way($base, 'OAuthAdminService', 'removeOAuthApplicationData')));
    $fault = '';
    eventually('the removed client gone', function () use ($oauth, $key, &$fault) {
        try {
            $oauth->getOAuthApplicationData(['consumerKey' => $key]);
            return false;
        } catch (SoapFault $f) {
            $fault = $f->getMessage();
            return true;
        }
    });
    step("getOAuthApplicationData after the removal: fault \"$fault\"");

    // A second client, for the service provider to link.
    $linkKey = "php-link-$tag";
    $oauth->registerOAuthApplicationData(['application' => [
        'OAuthVersion' => 'OAuth-2.0', 'applicationName' => "php-link-$tag", 'callbackUrl' => 'https://localhost/php/link',
        'grantTypes' => 'client_credentials', 'oauthConsumerKey' => $linkKey, 'oauthConsumerSecret' => "php-link-secret-$tag",
    ]]);
    eventually('the second client', function () use ($oauth, $linkKey) {
        return $oauth->getOAuthApplicationData(['consumerKey' => $linkKey])->return->oauthConsumerKey === $linkKey;
    });
    step('registerOAuthApplicationData: a second client to link');

    // IdentityApplicationManagementService with the session cookie alone.
    $sp = client($base, 'IdentityApplicationManagementService');
    $sp->__setCookie('JSESSIONID', $session);
    $spName = "php-sp-$tag";
    $created = $sp->createApplication(['serviceProvider' => ['applicationName' => $spName, 'description' => 'made by PHP']]);
    if (one_way($base, 'IdentityApplicationManagementService', 'createApplication')) {
        step('createApplication on the session cookie (first call of its client): ' . void_answer($sp, 'createApplication', true));
        eventually('the created application', function () use ($sp, $spName) {
            $r = $sp->getApplication(['applicationName' => $spName]);
            return isset($r->return->applicationName) && $r->return->applicationName === $spName;
        });
    } else {
        check(status($sp) == 200, 'createApplication: HTTP ' . status($sp));
        step('createApplication on the session cookie (first call of its client)');
    }

    $got = $sp->getApplication(['applicationName' => $spName])->return;
    check($got->applicationName === $spName, 'getApplication: ' . print_r($got, true));
    $got->inboundAuthenticationConfig = ['inboundAuthenticationRequestConfigs' => [[
        'inboundAuthKey' => $linkKey,
        'inboundAuthType' => 'oauth2',
    ]]];
    $sp->updateApplication(['serviceProvider' => $got]);
    step('updateApplication linking the OAuth client: ' . void_answer($sp, 'updateApplication', one_way($base, 'IdentityApplicationManagementService', 'updateApplication')));

    eventually('getApplication: an oauth2 link to the client', function () use ($sp, $spName, $linkKey) {
        $linked = $sp->getApplication(['applicationName' => $spName])->return;
        foreach ((array)($linked->inboundAuthenticationConfig->inboundAuthenticationRequestConfigs ?? []) as $rc) {
            if ($rc->inboundAuthType === 'oauth2' && $rc->inboundAuthKey === $linkKey) {
                return true;
            }
        }
        return false;
    });
    step('getApplication: linked to the client');

    $sp->deleteApplication(['applicationName' => $spName]);
    step('deleteApplication: ' . void_answer($sp, 'deleteApplication', one_way($base, 'IdentityApplicationManagementService', 'deleteApplication')));
    eventually('the deleted application gone', function () use ($sp, $spName) {
        try {
            $sp->getApplication(['applicationName' => $spName]);
            return strpos((string)$sp->__getLastResponse(), $spName) === false;
        } catch (SoapFault $f) {
            return true;
        }
    });
    step('getApplication after the delete: gone');

    // Logout ends the session.
    $auth->logout();
    step('logout: ' . void_answer($auth, 'logout', true));
    eventually('the session ended by logout', function () use ($sp) {
        try {
            $sp->getAllApplicationBasicInfo();
            return false;
        } catch (SoapFault $f) {
            check(status($sp) == 401, 'after logout: HTTP ' . status($sp) . ': ' . $f->getMessage());
            return true;
        }
    });
    step('the old session cookie after logout: HTTP 401');
    echo "PASS\n";
} catch (StepFailed $e) {
    echo 'FAIL: ' . $e->getMessage() . "\n";
    exit(1);
} catch (Throwable $e) {
    echo 'FAIL: ' . get_class($e) . ': ' . $e->getMessage() . "\n";
    if (isset($auth)) {
        echo "last response headers:\n" . $auth->__getLastResponseHeaders() . "\n";
    }
    exit(1);
}
