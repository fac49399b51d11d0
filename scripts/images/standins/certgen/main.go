// Stand-in for ghcr.io/jkroepke/kube-webhook-certgen, whose module the Go module proxy does not
// serve: its commands with the flags kube-prometheus-stack's admission-webhook Jobs pass, on the
// standard library alone, against the API server of the pod's service account.
//
//	create --host=a,b --namespace=N --secret-name=S   a CA and a serving certificate for the hosts
//	                                                  in Secret S (keys ca, cert, key), unless S exists
//	patch --webhook-name=W --namespace=N --secret-name=S [--patch-failure-policy=Fail|Ignore]
//	                                                  S's CA as the caBundle of every webhook of the
//	                                                  Validating/MutatingWebhookConfiguration W
//	version                                           version, build time, Go version
package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"
)

// Set with -ldflags -X (build.sh): the pinned release and the build time.
var (
	Version   = "0.0.1-dev"
	BuildTime = "0001-01-01T00:00:00Z"
)

const serviceAccount = "/var/run/secrets/kubernetes.io/serviceaccount"

func main() {
	log.SetFlags(log.LstdFlags | log.LUTC)
	if len(os.Args) < 2 {
		log.Fatal("usage: kube-webhook-certgen create|patch|version [flags]")
	}
	var err error
	switch os.Args[1] {
	case "version":
		fmt.Printf("%s\nbuild %s\n%s\n", Version, BuildTime, runtime.Version())
	case "create":
		err = create(os.Args[2:])
	case "patch":
		err = patch(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q (create, patch, version)", os.Args[1])
	}
	if err != nil {
		log.Fatal(err)
	}
}

// flags: a command's flag set with upstream's logging flags accepted (and ignored).
func flags(name string) *flag.FlagSet {
	set := flag.NewFlagSet(name, flag.ExitOnError)
	set.String("log-level", "info", "accepted for compatibility")
	set.String("log-format", "text", "accepted for compatibility")
	set.String("kubeconfig", "", "not supported: in-cluster only")
	return set
}

func required(values map[string]string) error {
	for name, value := range values {
		if value == "" {
			return fmt.Errorf("--%s is required", name)
		}
	}
	return nil
}

func create(args []string) error {
	set := flags("create")
	host := set.String("host", "", "comma-separated host names (and IPs) of the certificate")
	namespace := set.String("namespace", "", "namespace of the secret")
	secretName := set.String("secret-name", "", "name of the secret")
	caName := set.String("ca-name", "ca", "key of the CA certificate in the secret")
	certName := set.String("cert-name", "cert", "key of the certificate in the secret")
	keyName := set.String("key-name", "key", "key of the private key in the secret")
	_ = set.Parse(args)
	if err := required(map[string]string{"host": *host, "namespace": *namespace, "secret-name": *secretName}); err != nil {
		return err
	}
	c, err := inCluster()
	if err != nil {
		return err
	}
	path := fmt.Sprintf("/api/v1/namespaces/%s/secrets/%s", *namespace, *secretName)
	status, err := c.do(http.MethodGet, path, nil, nil)
	if err != nil {
		return err
	}
	if status == http.StatusOK {
		log.Printf("secret %s/%s already exists: nothing to do", *namespace, *secretName)
		return nil
	}
	if status != http.StatusNotFound {
		return fmt.Errorf("GET %s: HTTP %d", path, status)
	}
	ca, cert, key, err := certificates(strings.Split(*host, ","))
	if err != nil {
		return err
	}
	secret := map[string]any{
		"apiVersion": "v1",
		"kind":       "Secret",
		"metadata":   map[string]any{"name": *secretName, "namespace": *namespace},
		"data":       map[string][]byte{*caName: ca, *certName: cert, *keyName: key},
	}
	status, err = c.do(http.MethodPost, fmt.Sprintf("/api/v1/namespaces/%s/secrets", *namespace), secret, nil)
	switch {
	case err != nil:
		return err
	case status == http.StatusConflict:
		log.Printf("secret %s/%s was created meanwhile: nothing to do", *namespace, *secretName)
	case status != http.StatusCreated && status != http.StatusOK:
		return fmt.Errorf("creating secret %s/%s: HTTP %d", *namespace, *secretName, status)
	default:
		log.Printf("created secret %s/%s for %s", *namespace, *secretName, *host)
	}
	return nil
}

// certificates: a self-signed CA and a serving certificate for hosts signed by it (PEM; key PKCS#8).
func certificates(hosts []string) (ca, cert, key []byte, err error) {
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	caTemplate := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "kube-webhook-certgen stand-in CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(100, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, nil, nil, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, nil, nil, err
	}
	serverKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	template := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: hosts[0]},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(100, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, host := range hosts {
		if ip := net.ParseIP(host); ip != nil {
			template.IPAddresses = append(template.IPAddresses, ip)
		} else if host != "" {
			template.DNSNames = append(template.DNSNames, host)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, template, caCert, &serverKey.PublicKey, caKey)
	if err != nil {
		return nil, nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(serverKey)
	if err != nil {
		return nil, nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err)
	}
	return n
}

func patch(args []string) error {
	set := flags("patch")
	webhook := set.String("webhook-name", "", "name of the webhook configurations")
	namespace := set.String("namespace", "", "namespace of the secret")
	secretName := set.String("secret-name", "", "name of the secret")
	caName := set.String("ca-name", "ca", "key of the CA certificate in the secret")
	validating := set.Bool("patch-validating", true, "patch the ValidatingWebhookConfiguration")
	mutating := set.Bool("patch-mutating", true, "patch the MutatingWebhookConfiguration")
	policy := set.String("patch-failure-policy", "", "failurePolicy to set (Fail or Ignore; empty: unchanged)")
	_ = set.Parse(args)
	if err := required(map[string]string{"webhook-name": *webhook, "namespace": *namespace, "secret-name": *secretName}); err != nil {
		return err
	}
	if *policy != "" && *policy != "Fail" && *policy != "Ignore" {
		return fmt.Errorf("--patch-failure-policy=%s: Fail or Ignore", *policy)
	}
	c, err := inCluster()
	if err != nil {
		return err
	}
	var secret struct {
		Data map[string][]byte `json:"data"`
	}
	path := fmt.Sprintf("/api/v1/namespaces/%s/secrets/%s", *namespace, *secretName)
	if status, err := c.do(http.MethodGet, path, nil, &secret); err != nil {
		return err
	} else if status != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d", path, status)
	}
	ca := secret.Data[*caName]
	if len(ca) == 0 {
		return fmt.Errorf("secret %s/%s has no %s", *namespace, *secretName, *caName)
	}
	kinds := map[string]bool{"validatingwebhookconfigurations": *validating, "mutatingwebhookconfigurations": *mutating}
	for _, kind := range []string{"validatingwebhookconfigurations", "mutatingwebhookconfigurations"} {
		if !kinds[kind] {
			continue
		}
		path := "/apis/admissionregistration.k8s.io/v1/" + kind + "/" + *webhook
		var object map[string]any
		if status, err := c.do(http.MethodGet, path, nil, &object); err != nil {
			return err
		} else if status != http.StatusOK {
			return fmt.Errorf("GET %s: HTTP %d", path, status)
		}
		hooks, _ := object["webhooks"].([]any)
		for _, h := range hooks {
			hook, ok := h.(map[string]any)
			if !ok {
				continue
			}
			config, _ := hook["clientConfig"].(map[string]any)
			if config == nil {
				config = map[string]any{}
				hook["clientConfig"] = config
			}
			config["caBundle"] = base64.StdEncoding.EncodeToString(ca)
			if *policy != "" {
				hook["failurePolicy"] = *policy
			}
		}
		if status, err := c.do(http.MethodPut, path, object, nil); err != nil {
			return err
		} else if status != http.StatusOK {
			return fmt.Errorf("PUT %s: HTTP %d", path, status)
		}
		log.Printf("patched %s %s (%d webhooks)", kind, *webhook, len(hooks))
	}
	return nil
}

type client struct {
	base  string
	token string
	http  *http.Client
}

// inCluster: the API server and credentials of the pod's service account.
func inCluster() (*client, error) {
	host, port := os.Getenv("KUBERNETES_SERVICE_HOST"), os.Getenv("KUBERNETES_SERVICE_PORT")
	if host == "" || port == "" {
		return nil, errors.New("not in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are unset")
	}
	token, err := os.ReadFile(serviceAccount + "/token")
	if err != nil {
		return nil, err
	}
	caPEM, err := os.ReadFile(serviceAccount + "/ca.crt")
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New(serviceAccount + "/ca.crt holds no certificate")
	}
	transport := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	return &client{
		base:  "https://" + net.JoinHostPort(host, port),
		token: strings.TrimSpace(string(token)),
		http:  &http.Client{Timeout: 30 * time.Second, Transport: transport},
	}, nil
}

// do: one JSON request; the HTTP status, the body decoded into out on 200.
func (c *client) do(method, path string, body, out any) (int, error) {
	var reader io.Reader
	if body != nil {
		encoded, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		reader = bytes.NewReader(encoded)
	}
	request, err := http.NewRequest(method, c.base+path, reader)
	if err != nil {
		return 0, err
	}
	request.Header.Set("Authorization", "Bearer "+c.token)
	request.Header.Set("Accept", "application/json")
	if body != nil {
		request.Header.Set("Content-Type", "application/json")
	}
	response, err := c.http.Do(request)
	if err != nil {
		return 0, err
	}
	defer response.Body.Close()
	data, err := io.ReadAll(response.Body)
	if err != nil {
		return 0, err
	}
	if response.StatusCode == http.StatusOK && out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return 0, fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return response.StatusCode, nil
}
