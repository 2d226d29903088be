package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/aksbox/aksbox/internal/cli/output"
	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"
)

func aksGetCredentialsCmd(a *App) *cobra.Command {
	var rg, name, file, contextName, format string
	var admin, overwrite, publicFQDN bool
	cmd := a.simple(simpleCmd{use: "get-credentials", short: "Get access credentials for a managed Kubernetes cluster and merge them into a kubeconfig",
		required: []string{"resource-group", "name"},
		check: func() error {
			if format == "" {
				return nil
			}
			if admin {
				return errors.New("--format can only be specified when requesting clusterUser credential.")
			}
			var err error
			format, err = choice("format", format, "azure", "exec")
			return err
		},
		call: func(ctx context.Context, c *clients) (any, error) {
			mc, err := managedClusters(c)
			if err != nil {
				return nil, err
			}
			var server *string
			if publicFQDN {
				server = to.Ptr("public")
			}
			var creds []*armcontainerservice.CredentialResult
			if admin {
				resp, err := mc.ListClusterAdminCredentials(ctx, rg, name,
					&armcontainerservice.ManagedClustersClientListClusterAdminCredentialsOptions{ServerFqdn: server})
				if err != nil {
					return nil, err
				}
				creds = resp.Kubeconfigs
			} else {
				opts := &armcontainerservice.ManagedClustersClientListClusterUserCredentialsOptions{ServerFqdn: server}
				if format != "" {
					opts.Format = to.Ptr(armcontainerservice.Format(format))
				}
				resp, err := mc.ListClusterUserCredentials(ctx, rg, name, opts)
				if err != nil {
					return nil, err
				}
				creds = resp.Kubeconfigs
			}
			if len(creds) == 0 || creds[0] == nil {
				return nil, errors.New("Fail to find kubeconfig file.")
			}
			home, _ := os.UserHomeDir()
			return nil, a.saveCredentials(a.kubeconfigPath(file, home), creds[0].Value, overwrite, contextName)
		}})
	f := cmd.Flags()
	clusterFlags(cmd, &rg, &name)
	f.BoolVarP(&admin, "admin", "a", false, "get the cluster administrator credentials (context <name>-admin)")
	f.StringVarP(&file, "file", "f", "", "kubeconfig file to update, \"-\" to print it (default: ~/.kube/config, or the first file of $KUBECONFIG)")
	f.BoolVar(&overwrite, "overwrite-existing", false, "overwrite any existing cluster, user or context entry of the same name")
	f.StringVar(&contextName, "context", "", "if specified, overwrite the default context name")
	f.BoolVar(&publicFQDN, "public-fqdn", false, "point the kubeconfig at the cluster's public FQDN")
	f.StringVar(&format, "format", "", "format of the user credential: azure or exec")
	return cmd
}

// kubeconfigPath is --file, expanded, or (like az) the first file named by
// $KUBECONFIG when the file is the default ~/.kube/config.
func (a *App) kubeconfigPath(flag, home string) string {
	def := filepath.Join(home, ".kube", "config")
	path := flag
	if path == "" {
		path = def
	} else if rest, ok := strings.CutPrefix(path, "~/"); ok {
		path = filepath.Join(home, rest)
	}
	if env, ok := os.LookupEnv("KUBECONFIG"); ok && path == def {
		first := strings.Split(env, string(os.PathListSeparator))[0]
		if first == "" {
			a.Warn("Invalid path '%s' defined in KUBECONFIG.", first)
		} else {
			path = first
		}
	}
	return path
}

// saveCredentials is az's _print_or_merge_credentials: print the kubeconfig
// for "-", else merge it into the file (made with mode 0600 when missing)
// and make its context the current one.
func (a *App) saveCredentials(path string, kubeconfig []byte, overwrite bool, contextName string) error {
	if path == "-" {
		_, err := fmt.Fprintln(a.Stdout, string(kubeconfig))
		return err
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		fd, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		fd.Close()
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	existing, err := parseKubeconfig(data)
	if err != nil {
		return fmt.Errorf("Error parsing %s (%v)", path, err)
	}
	addition, err := parseKubeconfig(kubeconfig)
	if err != nil || addition == nil {
		return fmt.Errorf("failed to load additional configuration from the cluster's credentials: %v", err)
	}
	merged, err := mergeKubeconfig(existing, addition, overwrite, contextName, a.askOverwrite)
	if err != nil {
		return err
	}
	if st, err := os.Lstat(path); err == nil && st.Mode()&os.ModeSymlink == 0 {
		if perm := fmt.Sprintf("%o", st.Mode().Perm()); !strings.HasSuffix(perm, "600") {
			a.Warn("%s has permissions \"%s\".\nIt should be readable and writable only by its owner.", path, perm)
		}
	}
	var text bytes.Buffer
	if err := output.Write(&text, merged, output.Options{Format: "yaml"}); err != nil {
		return err
	}
	if err := os.WriteFile(path, text.Bytes(), 0o600); err != nil {
		return err
	}
	current, _ := addition["current-context"].(string)
	if current == "" {
		current = "UNKNOWN"
	}
	a.Warn("Merged \"%s\" as current context in %s", current, path)
	return nil
}

// askOverwrite is az's prompt for a clashing entry; without a terminal the
// answer is no.
func (a *App) askOverwrite(question string) bool {
	if !isTerminal(a.Stdout) || a.Stdin == nil {
		return false
	}
	fmt.Fprintf(a.Stdout, "%s (y/n): ", question)
	line, _ := bufio.NewReader(a.Stdin).ReadString('\n')
	ans := strings.ToLower(strings.TrimSpace(line))
	return ans == "y" || ans == "yes"
}

// parseKubeconfig reads a kubeconfig document as generic data, as PyYAML's
// safe_load does; an empty document is nil.
func parseKubeconfig(data []byte) (map[string]any, error) {
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, err
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("the document is not a mapping")
	}
	return m, nil
}

// mergeKubeconfig is az's merge_kubernetes_configurations: --context
// renames the new context and cluster, an admin context gets "-admin",
// then clusters, users and contexts merge by name and the new context
// becomes the current one.
func mergeKubeconfig(existing, addition map[string]any, replace bool, contextName string, ask func(string) bool) (map[string]any, error) {
	contexts, _ := addition["contexts"].([]any)
	if contextName != "" {
		clusters, _ := addition["clusters"].([]any)
		if len(contexts) == 0 || len(clusters) == 0 {
			return nil, errors.New("the cluster's credentials have no context to rename")
		}
		ctx, _ := contexts[0].(map[string]any)
		inner, _ := ctx["context"].(map[string]any)
		cluster, _ := clusters[0].(map[string]any)
		if ctx == nil || inner == nil || cluster == nil {
			return nil, errors.New("the cluster's credentials have no context to rename")
		}
		ctx["name"], inner["cluster"], cluster["name"] = contextName, contextName, contextName
		addition["current-context"] = contextName
	}
	// Rename the admin context so that it does not replace the user one.
	for _, c := range contexts {
		ctx, _ := c.(map[string]any)
		inner, _ := ctx["context"].(map[string]any)
		user, _ := inner["user"].(string)
		name, _ := ctx["name"].(string)
		if strings.HasPrefix(user, "clusterAdmin") {
			ctx["name"] = name + "-admin"
			addition["current-context"] = name + "-admin"
			break
		}
	}
	if existing == nil {
		return addition, nil
	}
	for _, key := range []string{"clusters", "users", "contexts"} {
		if err := mergeEntries(existing, addition, key, replace, ask); err != nil {
			return nil, err
		}
	}
	existing["current-context"] = addition["current-context"]
	return existing, nil
}

// mergeEntries is az's _handle_merge for one list: an entry of the same
// name is replaced when it is identical or replace is set (or the user
// agrees); otherwise the merge fails.
func mergeEntries(existing, addition map[string]any, key string, replace bool, ask func(string) bool) error {
	if !truthy(addition[key]) {
		return nil
	}
	if _, ok := existing[key]; !ok {
		return fmt.Errorf("No such key '%s' in existing config, please confirm whether it is a valid config file. "+
			"May back up this config file, delete it and retry the command.", key)
	}
	if !truthy(existing[key]) {
		existing[key] = addition[key]
		return nil
	}
	have, ok1 := existing[key].([]any)
	add, ok2 := addition[key].([]any)
	if !ok1 || !ok2 {
		return fmt.Errorf("'%s' in the kubeconfig file is not a list", key)
	}
	for _, i := range add {
		iname := entryName(i)
		kept := make([]any, 0, len(have)+1)
		for _, j := range have {
			jname := entryName(j)
			if iname == "" || jname == "" || iname != jname || !(replace || reflect.DeepEqual(i, j) ||
				(ask != nil && ask(fmt.Sprintf("A different object named %s already exists in your kubeconfig file.\nOverwrite?", iname)))) {
				if iname != "" && iname == jname {
					return fmt.Errorf("A different object named %s already exists in %s in your kubeconfig file.", iname, key)
				}
				kept = append(kept, j)
			}
		}
		have = append(kept, i)
	}
	existing[key] = have
	return nil
}

func entryName(v any) string {
	m, _ := v.(map[string]any)
	s, _ := m["name"].(string)
	return s
}
