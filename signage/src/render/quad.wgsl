// Rectangles (solid, optionally rounded) and pictures, one instance each.
// Positions come in pixels so zone code never thinks in clip space.

struct Screen {
    size: vec2<f32>,
    _pad: vec2<f32>,
};

@group(0) @binding(0) var<uniform> screen: Screen;
@group(1) @binding(0) var picture: texture_2d<f32>;
@group(1) @binding(1) var picture_sampler: sampler;

struct Instance {
    @location(0) rect: vec4<f32>,   // x, y, w, h in pixels
    @location(1) color: vec4<f32>,  // linear RGBA; for pictures only alpha is used
    @location(2) params: vec4<f32>, // x: corner radius in pixels
};

struct VsOut {
    @builtin(position) position: vec4<f32>,
    @location(0) color: vec4<f32>,
    @location(1) local: vec2<f32>,  // pixels from the rectangle's centre
    @location(2) half_size: vec2<f32>,
    @location(3) radius: f32,
    @location(4) uv: vec2<f32>,
};

@vertex
fn vs_main(@builtin(vertex_index) vi: u32, inst: Instance) -> VsOut {
    // Triangle strip corners: (0,0) (1,0) (0,1) (1,1).
    let corner = vec2<f32>(f32(vi & 1u), f32(vi >> 1u));
    let pixel = inst.rect.xy + corner * inst.rect.zw;
    let ndc = vec2<f32>(pixel.x / screen.size.x * 2.0 - 1.0, 1.0 - pixel.y / screen.size.y * 2.0);
    var out: VsOut;
    out.position = vec4<f32>(ndc, 0.0, 1.0);
    out.color = inst.color;
    out.half_size = inst.rect.zw * 0.5;
    out.local = (corner - vec2<f32>(0.5, 0.5)) * inst.rect.zw;
    out.radius = inst.params.x;
    out.uv = corner;
    return out;
}

// Signed distance to a rounded box, for antialiased corners without geometry.
fn rounded_alpha(local: vec2<f32>, half_size: vec2<f32>, radius: f32) -> f32 {
    if radius <= 0.0 {
        return 1.0;
    }
    let q = abs(local) - half_size + vec2<f32>(radius, radius);
    let d = length(max(q, vec2<f32>(0.0, 0.0))) + min(max(q.x, q.y), 0.0) - radius;
    return clamp(0.5 - d, 0.0, 1.0);
}

@fragment
fn fs_solid(in: VsOut) -> @location(0) vec4<f32> {
    let a = in.color.a * rounded_alpha(in.local, in.half_size, in.radius);
    return vec4<f32>(in.color.rgb, a);
}

// Opaque square rectangles (most zone backgrounds): no corner maths and, in
// the pipeline, no blending, so a software rasteriser need not read the target.
@fragment
fn fs_flat(in: VsOut) -> @location(0) vec4<f32> {
    return in.color;
}

@fragment
fn fs_picture(in: VsOut) -> @location(0) vec4<f32> {
    let texel = textureSample(picture, picture_sampler, in.uv);
    return vec4<f32>(texel.rgb, texel.a * in.color.a * rounded_alpha(in.local, in.half_size, in.radius));
}
