package cli

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/spf13/cobra"
)

// The registries' data plane: az acr login's token exchange and the
// repository commands. The CLI reaches a login server <name>.azurecr.io
// at the instance's own endpoint, which serves the registries' public
// endpoint; it trusts the instance CA and dials nothing else.

// zeroUser is the user name that goes with a registry refresh token.
const zeroUser = "00000000-0000-0000-0000-000000000000"

// registryHTTP is a client of login servers at the instance's endpoint.
func (a *App) registryHTTP(c *clients) (*http.Client, error) {
	hc, err := HTTPClient(a.Dir().CAFile())
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(c.Endpoint)
	if err != nil {
		return nil, err
	}
	tr := hc.Transport.(*http.Transport)
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, _ := net.SplitHostPort(addr)
		if !strings.HasSuffix(strings.ToLower(host), ".azurecr.io") {
			return nil, fmt.Errorf("%s is not a registry's login server (<name>.azurecr.io)", host)
		}
		return (&net.Dialer{}).DialContext(ctx, network, u.Host)
	}
	return hc, nil
}

// registrySession is a signed-in conversation with one login server.
type registrySession struct {
	hc       *http.Client
	login    string
	refresh  string
	endpoint string // the instance's, through which the login server is reached
}

// signIn is acrLogin for a command's -n and -g, after its checks.
func (a *App) signIn(cmd *cobra.Command, rg, name string) (*registrySession, error) {
	if err := requireFlags(cmd, "name"); err != nil {
		return nil, err
	}
	c, err := a.clients()
	if err != nil {
		return nil, err
	}
	return a.acrLogin(cmd.Context(), c, rg, name)
}

// acrLogin does az acr login's steps: the registry answers /v2/ with a
// challenge (a 403 means its firewall refuses this client), then the
// Entra token is exchanged for the registry's refresh token.
func (a *App) acrLogin(ctx context.Context, c *clients, rg, name string) (*registrySession, error) {
	r, _, err := findRegistry(ctx, c, rg, name)
	if err != nil {
		return nil, err
	}
	login := deref(r.Properties.LoginServer)
	hc, err := a.registryHTTP(c)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Get("https://" + login + "/v2/")
	if err != nil {
		return nil, fmt.Errorf("Could not connect to the registry login server '%s'. Please verify that the registry exists and the URL 'https://%s/v2/' is reachable from your environment: %v", login, login, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusForbidden:
		return nil, fmt.Errorf("Looks like you don't have access to registry '%s'. To see configured firewall rules, run 'aksbox acr show --query networkRuleSet --name %s'. The registry said: %s", login, name, errorsText(body))
	case resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer "):
		return nil, fmt.Errorf("Registry '%s' did not issue a challenge.", login)
	}
	tok, err := c.Cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{ARMAudience + ".default"}})
	if err != nil {
		return nil, err
	}
	var out struct {
		RefreshToken string `json:"refresh_token"`
	}
	status, body, err := postForm(hc, "https://"+login+"/oauth2/exchange", url.Values{"grant_type": {"access_token"},
		"service": {login}, "tenant": {c.TenantID}, "access_token": {tok.Token}}, &out)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK || out.RefreshToken == "" {
		return nil, fmt.Errorf("Access to registry '%s' was denied. Response code: %d. %s", login, status, errorsText(body))
	}
	return &registrySession{hc: hc, login: login, refresh: out.RefreshToken, endpoint: c.Endpoint}, nil
}

func postForm(hc *http.Client, u string, v url.Values, out any) (int, []byte, error) {
	resp, err := hc.PostForm(u, v)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, out); err != nil {
			return 0, nil, fmt.Errorf("reading the registry's answer: %w", err)
		}
	}
	return resp.StatusCode, body, nil
}

// errorsText is the message of a Distribution error envelope.
func errorsText(body []byte) string {
	var e struct {
		Errors []struct{ Code, Message string } `json:"errors"`
	}
	if json.Unmarshal(body, &e) != nil || len(e.Errors) == 0 {
		return strings.TrimSpace(string(body))
	}
	var parts []string
	for _, x := range e.Errors {
		parts = append(parts, strings.ToLower(x.Code)+": "+x.Message)
	}
	return strings.Join(parts, "; ")
}

// get reads a data-plane path with an access token for scope.
func (s *registrySession) get(ctx context.Context, path, scope string, out any) error {
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	status, body, err := postForm(s.hc, "https://"+s.login+"/oauth2/token", url.Values{"grant_type": {"refresh_token"},
		"service": {s.login}, "scope": {scope}, "refresh_token": {s.refresh}}, &tok)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("getting an access token for %s: %s", scope, errorsText(body))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+s.login+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := s.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return errors.New(errorsText(body))
	}
	return json.Unmarshal(body, out)
}

func acrLoginCmd(a *App) *cobra.Command {
	var rg, name string
	var expose bool
	cmd := &cobra.Command{Use: "login", Short: "Log in to an Azure Container Registry", Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := a.signIn(cmd, rg, name)
			if err != nil {
				return err
			}
			if expose {
				a.Warn("You can perform manual login using the provided access token below, for example: 'docker login loginServer -u %s -p accessToken'", zeroUser)
				return a.Print(map[string]string{"accessToken": s.refresh, "loginServer": s.login}, nil)
			}
			servers := []string{s.login}
			if u, err := url.Parse(s.endpoint); err == nil && u.Port() != "" && u.Port() != "443" {
				servers = append(servers, s.login+":"+u.Port()) // the name a hosts-file line reaches
			}
			path, err := saveDockerAuth(servers, zeroUser, s.refresh)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "Login Succeeded (credentials for %s saved in %s)\n", s.login, path)
			return nil
		}}
	rgNameFlags(cmd, &rg, &name, "container registry")
	cmd.Flags().BoolVarP(&expose, "expose-token", "t", false, "print the registry token instead of saving it for docker-compatible clients")
	return cmd
}

// saveDockerAuth records a login in the Docker client configuration
// ($DOCKER_CONFIG/config.json, else ~/.docker/config.json), which docker,
// crane, oras and the like read; other entries are kept.
func saveDockerAuth(servers []string, user, password string) (string, error) {
	dir := os.Getenv("DOCKER_CONFIG")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(home, ".docker")
	}
	path := filepath.Join(dir, "config.json")
	cfg := map[string]any{}
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &cfg); err != nil {
			return "", fmt.Errorf("%s is not valid JSON; fix or remove it: %w", path, err)
		}
	}
	auths, _ := cfg["auths"].(map[string]any)
	if auths == nil {
		auths = map[string]any{}
	}
	for _, server := range servers {
		auths[server] = map[string]any{"auth": base64.StdEncoding.EncodeToString([]byte(user + ":" + password))}
	}
	cfg["auths"] = auths
	b, err := json.MarshalIndent(cfg, "", "\t")
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	return path, os.WriteFile(path, append(b, '\n'), 0o600)
}

func acrRepositoryCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "repository", Short: "Manage repositories (image names) of a registry"}
	var rg, name, repo string
	run := func(f func(ctx context.Context, s *registrySession) (any, error)) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, args []string) error {
			s, err := a.signIn(cmd, rg, name)
			if err != nil {
				return err
			}
			v, err := f(cmd.Context(), s)
			if err != nil {
				return err
			}
			return a.Print(v, nil)
		}
	}
	list := &cobra.Command{Use: "list", Short: "List the repositories of a registry", Args: noArgs,
		RunE: run(func(ctx context.Context, s *registrySession) (any, error) {
			var out struct {
				Repositories []string `json:"repositories"`
			}
			err := s.get(ctx, "/v2/_catalog", "registry:catalog:*", &out)
			if out.Repositories == nil {
				out.Repositories = []string{}
			}
			return out.Repositories, err
		})}
	tags := &cobra.Command{Use: "show-tags", Short: "Show the tags of a repository", Args: noArgs,
		RunE: run(func(ctx context.Context, s *registrySession) (any, error) {
			if repo == "" {
				return nil, usagef("the following arguments are required: --repository")
			}
			var out struct {
				Tags []string `json:"tags"`
			}
			err := s.get(ctx, "/v2/"+repo+"/tags/list", "repository:"+repo+":pull", &out)
			sort.Strings(out.Tags)
			if out.Tags == nil {
				out.Tags = []string{}
			}
			return out.Tags, err
		})}
	for _, c := range []*cobra.Command{list, tags} {
		c.Flags().StringVarP(&name, "name", "n", "", "name of the container registry")
		c.Flags().StringVarP(&rg, "resource-group", "g", "", "name of the resource group (found by name when not given)")
	}
	tags.Flags().StringVar(&repo, "repository", "", "name of the repository")
	g.AddCommand(list, tags)
	return g
}

func acrEndpointConnectionCmd(a *App) *cobra.Command {
	g := &cobra.Command{Use: "private-endpoint-connection", Short: "Manage the private endpoint connections of a registry"}
	var rg, name string
	list := a.simple(simpleCmd{use: "list", short: "List the private endpoint connections of a registry", names: pythonNames,
		required: []string{"registry-name"},
		call: func(ctx context.Context, c *clients) (any, error) {
			_, g, err := findRegistry(ctx, c, rg, name)
			if err != nil {
				return nil, err
			}
			v, err := c.Do(ctx, http.MethodGet, c.resourceID(g, "Microsoft.ContainerRegistry", "registries", name)+"/privateEndpointConnections", "2023-07-01", nil)
			if m, ok := v.(map[string]any); ok && err == nil {
				return m["value"], nil
			}
			return v, err
		}})
	list.Flags().StringVarP(&name, "registry-name", "r", "", "name of the container registry")
	list.Flags().StringVarP(&rg, "resource-group", "g", "", "name of the resource group")
	g.AddCommand(list)
	return g
}
