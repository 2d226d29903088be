package output

import "testing"

// The expectations below were printed by the real az 2.45 on this host:
// "az version -o FORMAT" and "az extension list [--query Q] -o FORMAT"
// (jsonc/yamlc under script(1) so that az saw a terminal). The inputs are
// the same commands' -o json output.
const (
	azVersion = `{"azure-cli": "2.45.0", "azure-cli-core": "2.45.0", "azure-cli-telemetry": "1.0.8",
 "extensions": {"azure-devops": "0.26.0"}}`
	azExtensions = `[{"experimental": false, "extensionType": "whl", "name": "azure-devops",
 "path": "/usr/lib/python3/dist-packages/azure-cli-extensions/azure-devops", "preview": false, "version": "0.26.0"}]`
)

func TestMatchesRealAz(t *testing.T) {
	cases := []struct {
		name, input string
		opts        Options
		want        string
	}{
		{"version json", azVersion, Options{},
			"{\n  \"azure-cli\": \"2.45.0\",\n  \"azure-cli-core\": \"2.45.0\",\n  \"azure-cli-telemetry\": \"1.0.8\",\n" +
				"  \"extensions\": {\n    \"azure-devops\": \"0.26.0\"\n  }\n}\n"},
		{"version table", azVersion, Options{Format: "table"},
			"Azure-cli    Azure-cli-core    Azure-cli-telemetry\n" +
				"-----------  ----------------  ---------------------\n" +
				"2.45.0       2.45.0            1.0.8\n"},
		{"version tsv", azVersion, Options{Format: "tsv"}, "2.45.0\t2.45.0\t1.0.8\t\n"},
		{"version yaml", azVersion, Options{Format: "yaml"},
			"azure-cli: 2.45.0\nazure-cli-core: 2.45.0\nazure-cli-telemetry: 1.0.8\nextensions:\n  azure-devops: 0.26.0\n"},
		{"version jsonc", azVersion, Options{Format: "jsonc", Color: true}, "{\x1b[37m\x1b[39;49;00m\n\x1b[37m  \x1b[39;49;00m\x1b[94m\"azure-cli\"\x1b[39;49;00m:\x1b[37m \x1b[39;49;00m\x1b[33m\"2.45.0\"\x1b[39;49;00m,\x1b[37m\x1b[39;49;00m\n\x1b[37m  \x1b[39;49;00m\x1b[94m\"azure-cli-core\"\x1b[39;49;00m:\x1b[37m \x1b[39;49;00m\x1b[33m\"2.45.0\"\x1b[39;49;00m,\x1b[37m\x1b[39;49;00m\n\x1b[37m  \x1b[39;49;00m\x1b[94m\"azure-cli-telemetry\"\x1b[39;49;00m:\x1b[37m \x1b[39;49;00m\x1b[33m\"1.0.8\"\x1b[39;49;00m,\x1b[37m\x1b[39;49;00m\n\x1b[37m  \x1b[39;49;00m\x1b[94m\"extensions\"\x1b[39;49;00m:\x1b[37m \x1b[39;49;00m{\x1b[37m\x1b[39;49;00m\n\x1b[37m    \x1b[39;49;00m\x1b[94m\"azure-devops\"\x1b[39;49;00m:\x1b[37m \x1b[39;49;00m\x1b[33m\"0.26.0\"\x1b[39;49;00m\x1b[37m\x1b[39;49;00m\n\x1b[37m  \x1b[39;49;00m}\x1b[37m\x1b[39;49;00m\n}\x1b[37m\x1b[39;49;00m\n"},
		{"version yamlc", azVersion, Options{Format: "yamlc", Color: true}, "\x1b[94mazure-cli\x1b[39;49;00m:\x1b[37m \x1b[39;49;00m2.45.0\x1b[37m\x1b[39;49;00m\n\x1b[94mazure-cli-core\x1b[39;49;00m:\x1b[37m \x1b[39;49;00m2.45.0\x1b[37m\x1b[39;49;00m\n\x1b[94mazure-cli-telemetry\x1b[39;49;00m:\x1b[37m \x1b[39;49;00m1.0.8\x1b[37m\x1b[39;49;00m\n\x1b[94mextensions\x1b[39;49;00m:\x1b[37m\x1b[39;49;00m\n\x1b[37m  \x1b[39;49;00m\x1b[94mazure-devops\x1b[39;49;00m:\x1b[37m \x1b[39;49;00m0.26.0\x1b[37m\x1b[39;49;00m\n"},
		{"extensions table", azExtensions, Options{Format: "table"},
			"Experimental    ExtensionType    Name          Path                                                              Preview    Version\n" +
				"--------------  ---------------  ------------  ----------------------------------------------------------------  ---------  ---------\n" +
				"False           whl              azure-devops  /usr/lib/python3/dist-packages/azure-cli-extensions/azure-devops  False      0.26.0\n"},
		{"extensions empty filter table", azExtensions, Options{Format: "table", Query: "[?name=='zz']"}, "\n"},
		{"extensions hash table", azExtensions, Options{Format: "table", Query: "[].{Name:name, Version:version, Preview:preview}"},
			"Name          Version    Preview\n------------  ---------  ---------\nazure-devops  0.26.0     False\n"},
		{"extensions hash reversed table", azExtensions, Options{Format: "table", Query: "[].{Version:version, Name:name}"},
			"Version    Name\n---------  ------------\n0.26.0     azure-devops\n"},
		{"extensions hash tsv", azExtensions, Options{Format: "tsv", Query: "[].{Name:name, Version:version, Preview:preview}"},
			"azure-devops\t0.26.0\tFalse\n"},
		{"extensions hash yaml", azExtensions, Options{Format: "yaml", Query: "[].{Name:name, Version:version, Preview:preview}"},
			"- Name: azure-devops\n  Preview: false\n  Version: 0.26.0\n"},
		{"extensions nested tsv", azExtensions, Options{Format: "tsv", Query: "[].{z:name,b:nothing,a:preview,c:[name],d:{x:name}}"},
			"azure-devops\tNone\tFalse\t1\t\n"},
		{"extensions skipped columns", azExtensions,
			Options{Format: "table", Query: "[].{z:name,b:nothing,a:preview,c:[name],d:{x:name}, id:name, Type:name}"},
			"Z             A      Type\n------------  -----  ------------\nazure-devops  False  azure-devops\n"},
		{"extensions bool tsv", azExtensions, Options{Format: "tsv", Query: "[0].preview"}, "false\n"},
		{"extensions bool table", azExtensions, Options{Format: "table", Query: "[0].preview"}, "Result\n--------\nFalse\n"},
		{"extensions scalar yaml", azExtensions, Options{Format: "yaml", Query: "[0].name"}, "azure-devops\n...\n"},
		{"extensions list table", azExtensions, Options{Format: "table", Query: "[].[name,preview]"},
			"Column1       Column2\n------------  ---------\nazure-devops  False\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := render(t, c.input, c.opts)
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if got != c.want {
				t.Errorf("got:\n%q\nwant:\n%q", got, c.want)
			}
		})
	}
}
