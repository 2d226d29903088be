package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armsubscriptions"
)

func azcorePolicy() policy.TokenRequestOptions {
	return policy.TokenRequestOptions{Scopes: []string{"https://management.core.windows.net//.default"}}
}

func respCode(err error) string {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return re.ErrorCode
	}
	return ""
}

// The Azure SDK for Go drives resource groups end to end: create, get,
// update tags, list with paging, existence, and the long-running delete.
func TestSDKResourceGroups(t *testing.T) {
	in := start(t, "--page-size", "2")
	ctx := context.Background()
	gc, err := armresources.NewResourceGroupsClient(in.Sub, in.cred(), in.clientOptions())
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		name := fmt.Sprintf("rg-%d", i)
		resp, err := gc.CreateOrUpdate(ctx, name, armresources.ResourceGroup{Location: to.Ptr("West US 2"),
			Tags: map[string]*string{"i": to.Ptr(fmt.Sprint(i))}}, nil)
		if err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		if got := deref(resp.Location); got != "westus2" {
			t.Errorf("location = %q, want westus2 (normalized)", got)
		}
		wantID := "/subscriptions/" + in.Sub + "/resourceGroups/" + name
		if deref(resp.ID) != wantID || deref(resp.Properties.ProvisioningState) != "Succeeded" {
			t.Errorf("create answered %s %s", deref(resp.ID), deref(resp.Properties.ProvisioningState))
		}
	}
	// Case-insensitive lookup keeps the stored case.
	got, err := gc.Get(ctx, "RG-3", nil)
	if err != nil || deref(got.Name) != "rg-3" {
		t.Fatalf("get RG-3: %v %v", err, got.Name)
	}
	// Pages of 2: the pager must follow nextLink to see all 5.
	pager := gc.NewListPager(nil)
	n, pages := 0, 0
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		n += len(page.Value)
	}
	if n != 5 || pages != 3 {
		t.Errorf("listed %d groups in %d pages, want 5 in 3", n, pages)
	}
	upd, err := gc.Update(ctx, "rg-1", armresources.ResourceGroupPatchable{Tags: map[string]*string{"env": to.Ptr("test")}}, nil)
	if err != nil || deref(upd.Tags["env"]) != "test" || upd.Tags["i"] != nil {
		t.Fatalf("patch tags: %v %v", err, upd.Tags)
	}
	ex, err := gc.CheckExistence(ctx, "rg-1", nil)
	if err != nil || !ex.Success {
		t.Fatalf("exists rg-1: %v %v", err, ex.Success)
	}
	ex, err = gc.CheckExistence(ctx, "nope", nil)
	if err != nil || ex.Success {
		t.Fatalf("exists nope: %v %v", err, ex.Success)
	}
	poller, err := gc.BeginDelete(ctx, "rg-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := poller.PollUntilDone(ctx, &runtimePoll); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := gc.Get(ctx, "rg-1", nil); respCode(err) != "ResourceGroupNotFound" {
		t.Fatalf("after delete: %v", err)
	}
	if _, err := gc.BeginDelete(ctx, "rg-1", nil); respCode(err) != "ResourceGroupNotFound" {
		t.Fatalf("second delete: %v", err)
	}
}

// The subscriptions client sees the instance's one subscription and tenant.
func TestSDKSubscriptions(t *testing.T) {
	in := start(t)
	ctx := context.Background()
	sc, err := armsubscriptions.NewClient(in.cred(), in.clientOptions())
	if err != nil {
		t.Fatal(err)
	}
	var subs []string
	pager := sc.NewListPager(nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page.Value {
			subs = append(subs, deref(s.SubscriptionID))
		}
	}
	if len(subs) != 1 || subs[0] != in.Sub {
		t.Fatalf("subscriptions = %v, want [%s]", subs, in.Sub)
	}
	tc, err := armsubscriptions.NewTenantsClient(in.cred(), in.clientOptions())
	if err != nil {
		t.Fatal(err)
	}
	tp := tc.NewListPager(nil)
	page, err := tp.NextPage(ctx)
	if err != nil || len(page.Value) != 1 || deref(page.Value[0].TenantID) != in.Tenant {
		t.Fatalf("tenants: %v", err)
	}
}

// Two writers holding the same ETag cannot both win: exactly one PATCH
// with If-Match succeeds, the others get 412 PreconditionFailed.
func TestConcurrentWritersWithIfMatch(t *testing.T) {
	in := start(t)
	p := "/subscriptions/" + in.Sub + "/resourcegroups/race?api-version=2021-04-01"
	code, _, h := in.call(http.MethodPut, p, `{"location":"westus2"}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d", code)
	}
	etag := h.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag on PUT")
	}
	tok := in.token()
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPatch, in.Endpoint+p, stringsReader(fmt.Sprintf(`{"tags":{"w":"%d"}}`, i)))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("If-Match", etag)
			resp, err := in.HTTP.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			mu.Lock()
			codes[resp.StatusCode]++
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	if codes[http.StatusOK] != 1 || codes[http.StatusPreconditionFailed] != 9 {
		t.Fatalf("status counts %v, want one 200 and nine 412", codes)
	}
	// If-None-Match: * refuses to overwrite an existing group.
	code, m, _ := in.call(http.MethodPut, p, `{"location":"westus2"}`, "If-None-Match", "*")
	if code != http.StatusPreconditionFailed || errCode(m) != "PreconditionFailed" {
		t.Fatalf("If-None-Match *: %d %v", code, m)
	}
	// The current ETag is accepted.
	_, _, h = in.call(http.MethodGet, p, "")
	code, _, _ = in.call(http.MethodPatch, p, `{"tags":{}}`, "If-Match", h.Get("ETag"))
	if code != http.StatusOK {
		t.Fatalf("PATCH with current ETag: %d", code)
	}
}

// PUT is idempotent (same body: 200 and the same ETag) and replaces the
// whole resource (tags left out are removed); the subscription ID in
// answers is spelled as the directory spells it, whatever the URL said.
func TestPutIdempotentAndReplacing(t *testing.T) {
	in := start(t)
	p := "/subscriptions/" + strings.ToUpper(in.Sub) + "/resourcegroups/idem?api-version=2021-04-01"
	code, m, h1 := in.call(http.MethodPut, p, `{"location":"westus2","tags":{"a":"1"}}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, m)
	}
	if id, _ := m["id"].(string); id != "/subscriptions/"+in.Sub+"/resourceGroups/idem" {
		t.Errorf("id = %q, want the directory's spelling of the subscription", id)
	}
	code, _, h2 := in.call(http.MethodPut, p, `{"location":"westus2","tags":{"a":"1"}}`)
	if code != http.StatusOK || h1.Get("ETag") != h2.Get("ETag") {
		t.Fatalf("same PUT again: %d, ETag %s then %s", code, h1.Get("ETag"), h2.Get("ETag"))
	}
	code, m, h3 := in.call(http.MethodPut, p, `{"location":"westus2"}`)
	if code != http.StatusOK || m["tags"] != nil || h3.Get("ETag") == h2.Get("ETag") {
		t.Fatalf("PUT without tags: %d tags=%v etag %s", code, m["tags"], h3.Get("ETag"))
	}
}

// A namespace answers MissingSubscriptionRegistration until the
// subscription registers for it, and not after.
func TestRegistrationGate(t *testing.T) {
	in := start(t, "--provider-registration-delay", "0s")
	in.mustAksbox("group", "create", "-n", "g", "-l", "westus2")
	p := "/subscriptions/" + in.Sub + "/resourceGroups/g/providers/Microsoft.ContainerService/managedClusters/c?api-version=2022-11-01"
	code, m, _ := in.call(http.MethodGet, p, "")
	if code != http.StatusConflict || errCode(m) != "MissingSubscriptionRegistration" {
		t.Fatalf("before registering: %d %v", code, m)
	}
	in.mustAksbox("provider", "register", "--namespace", "Microsoft.ContainerService")
	code, m, _ = in.call(http.MethodGet, p, "")
	if errCode(m) == "MissingSubscriptionRegistration" {
		t.Fatalf("after registering: %d %v", code, m)
	}
}
