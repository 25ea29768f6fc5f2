// Command glwindow is BenchmarkWindowStart's second reference: a blank
// full-screen OpenGL window, through the same GLFW and OpenGL bindings as
// the window's (Fyne's), drawing nothing but its background. What it
// costs is what any OpenGL window costs on the machine: under Xvfb, Mesa's
// software renderer, including what it allocates (its C heap, its shared
// image), which the software-GL share read from the libraries' mappings
// does not show.
package main

import (
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/go-gl/gl/v2.1/gl"
	"github.com/go-gl/glfw/v3.4/glfw"
)

func init() { runtime.LockOSThread() } // GLFW and OpenGL want the main thread

func main() {
	if err := glfw.Init(); err != nil {
		fmt.Fprintln(os.Stderr, "glwindow:", err)
		os.Exit(1)
	}
	defer glfw.Terminate()
	m := glfw.GetPrimaryMonitor()
	mode := m.GetVideoMode()
	w, err := glfw.CreateWindow(mode.Width, mode.Height, "glwindow", m, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "glwindow:", err)
		os.Exit(1)
	}
	w.MakeContextCurrent()
	if err := gl.Init(); err != nil {
		fmt.Fprintln(os.Stderr, "glwindow:", err)
		os.Exit(1)
	}
	for !w.ShouldClose() {
		gl.ClearColor(1, 1, 1, 1)
		gl.Clear(gl.COLOR_BUFFER_BIT)
		w.SwapBuffers()
		glfw.WaitEventsTimeout((500 * time.Millisecond).Seconds())
	}
}
