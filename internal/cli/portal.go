package cli

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"

	"github.com/spf13/cobra"
)

// portalCmd prints the portal's address and a one-time sign-in link, and
// opens the link in a browser when the session has a display.
func portalCmd(a *App) *cobra.Command {
	var noOpen bool
	cmd := &cobra.Command{
		Use:   "portal",
		Short: "Print the portal's address and a one-time sign-in link (and open it in a browser when there is one)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.Connect()
			if err != nil {
				return err
			}
			v, err := c.Do(cmd.Context(), http.MethodPost, "/portal/signin-links", "", nil)
			if err != nil {
				return err
			}
			m, _ := v.(map[string]any)
			link, _ := m["url"].(string)
			if link == "" {
				return fmt.Errorf("the server answered no sign-in link")
			}
			fmt.Fprintf(a.Stdout, "Portal:       %s/portal/\nSign-in link: %s\n", c.Endpoint, link)
			fmt.Fprintf(a.Stdout, "The link signs one browser in as %s; it works once, within 5 minutes.\n", c.ClientID)
			fmt.Fprintf(a.Stdout, "The portal's certificate is issued by this instance's CA, %s: import it into the browser, or accept the certificate.\n", a.Dir().CAFile())
			if noOpen || (os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "") {
				return nil
			}
			if opener, err := exec.LookPath("xdg-open"); err == nil {
				if err := exec.Command(opener, link).Start(); err != nil {
					fmt.Fprintf(a.Stderr, "WARNING: opening a browser: %v\n", err)
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&noOpen, "no-open", false, "print the link only; do not open a browser")
	return cmd
}
