package registry

import (
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

const benchImageSize = 100 << 20

// benchImage is a 100 MB image of one incompressible layer.
func benchImage(b *testing.B) v1.Image {
	data := make([]byte, benchImageSize)
	if _, err := rand.Read(data); err != nil {
		b.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, static.NewLayer(data, types.OCILayer))
	if err != nil {
		b.Fatal(err)
	}
	return img
}

// BenchmarkPushPull100MB pushes a 100 MB image to a registry's data plane
// over TLS on loopback (token exchange, blob upload to disk, manifest
// journal) and pulls it back, reading every byte.
func BenchmarkPushPull100MB(b *testing.B) {
	e := newEnv(b, b.TempDir(), twoRegistries())
	img := benchImage(b)
	auth := remote.WithAuth(&authn.Basic{Username: "myReg", Password: "p1"})
	b.SetBytes(benchImageSize)
	b.Run("push", func(b *testing.B) {
		b.SetBytes(benchImageSize)
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			ref, _ := name.ParseReference("myreg.azurecr.io/bench/app:" + string(rune('a'+i%26)))
			_ = os.RemoveAll(filepath.Join(e.root, "u1", "blobs")) // every push uploads the layer anew
			_ = os.MkdirAll(filepath.Join(e.root, "u1", "blobs"), 0o700)
			b.StartTimer()
			if err := remote.Write(ref, img, remote.WithTransport(e.tr), auth); err != nil {
				b.Fatal(err)
			}
		}
	})
	ref, _ := name.ParseReference("myreg.azurecr.io/bench/app:pull")
	if err := remote.Write(ref, img, remote.WithTransport(e.tr), auth); err != nil {
		b.Fatal(err)
	}
	b.Run("pull", func(b *testing.B) {
		b.SetBytes(benchImageSize)
		for i := 0; i < b.N; i++ {
			got, err := remote.Image(ref, remote.WithTransport(e.tr), auth)
			if err != nil {
				b.Fatal(err)
			}
			layers, _ := got.Layers()
			rc, err := layers[0].Compressed()
			if err != nil {
				b.Fatal(err)
			}
			if n, err := io.Copy(io.Discard, rc); err != nil || n != benchImageSize {
				b.Fatalf("pulled %d bytes: %v", n, err)
			}
			rc.Close()
		}
	})
	// The limit beside it: the same bytes copied file to file on this disk.
	b.Run("direct-copy", func(b *testing.B) {
		b.SetBytes(benchImageSize)
		dir := b.TempDir()
		src := filepath.Join(dir, "src")
		layers, _ := img.Layers()
		rc, _ := layers[0].Compressed()
		f, _ := os.Create(src)
		_, _ = io.Copy(f, rc)
		f.Close()
		for i := 0; i < b.N; i++ {
			in, _ := os.Open(src)
			out, _ := os.Create(filepath.Join(dir, "dst"))
			if _, err := io.Copy(out, in); err != nil {
				b.Fatal(err)
			}
			_ = out.Sync()
			in.Close()
			out.Close()
		}
	})
}
