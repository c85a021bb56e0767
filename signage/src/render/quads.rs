//! The rectangle and picture pipelines, fed from one instance buffer that is
//! rewritten each frame and only reallocated when a frame needs more room.

use std::mem::size_of;

use bytemuck::{Pod, Zeroable};
use wgpu::util::DeviceExt;

use crate::color::Rgba;
use crate::layout::Rect;

/// One rectangle as the shader reads it.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct QuadInstance {
    pub rect: [f32; 4],
    pub color: [f32; 4],
    /// x: corner radius in pixels; y: 1 when opaque and square (drawn without blending).
    pub params: [f32; 4],
}

impl QuadInstance {
    pub fn solid(rect: Rect, color: Rgba, radius: f32) -> Self {
        QuadInstance {
            rect: [rect.x, rect.y, rect.w, rect.h],
            color: color.to_unit(),
            params: [
                radius,
                if color.0[3] == 255 && radius <= 0.0 {
                    1.0
                } else {
                    0.0
                },
                0.0,
                0.0,
            ],
        }
    }

    pub fn is_flat(&self) -> bool {
        self.params[1] > 0.5
    }
}

const INITIAL_CAPACITY: u64 = 256;

pub struct Quads {
    solid: wgpu::RenderPipeline,
    flat: wgpu::RenderPipeline,
    picture: wgpu::RenderPipeline,
    screen_buffer: wgpu::Buffer,
    screen_group: wgpu::BindGroup,
    pub picture_layout: wgpu::BindGroupLayout,
    instances: wgpu::Buffer,
    capacity: u64,
}

impl Quads {
    pub fn new(device: &wgpu::Device, format: wgpu::TextureFormat) -> Quads {
        let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("quad.wgsl"),
            source: wgpu::ShaderSource::Wgsl(include_str!("quad.wgsl").into()),
        });
        let screen_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("screen"),
            entries: &[wgpu::BindGroupLayoutEntry {
                binding: 0,
                visibility: wgpu::ShaderStages::VERTEX,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: false,
                    min_binding_size: None,
                },
                count: None,
            }],
        });
        let picture_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("picture"),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Texture {
                        multisampled: false,
                        view_dimension: wgpu::TextureViewDimension::D2,
                        sample_type: wgpu::TextureSampleType::Float { filterable: true },
                    },
                    count: None,
                },
                wgpu::BindGroupLayoutEntry {
                    binding: 1,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
                    count: None,
                },
            ],
        });
        let screen_buffer = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("screen size"),
            contents: bytemuck::cast_slice(&[1.0f32, 1.0, 0.0, 0.0]),
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        });
        let screen_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("screen"),
            layout: &screen_layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: screen_buffer.as_entire_binding(),
            }],
        });
        let solid_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("solid"),
            bind_group_layouts: &[Some(&screen_layout)],
            ..Default::default()
        });
        let picture_pipeline_layout =
            device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some("picture"),
                bind_group_layouts: &[Some(&screen_layout), Some(&picture_layout)],
                ..Default::default()
            });
        let solid = pipeline(device, &shader, &solid_layout, "fs_solid", format, true);
        let flat = pipeline(device, &shader, &solid_layout, "fs_flat", format, false);
        let picture = pipeline(
            device,
            &shader,
            &picture_pipeline_layout,
            "fs_picture",
            format,
            true,
        );
        let instances = instance_buffer(device, INITIAL_CAPACITY);
        Quads {
            solid,
            flat,
            picture,
            screen_buffer,
            screen_group,
            picture_layout,
            instances,
            capacity: INITIAL_CAPACITY,
        }
    }

    /// Uploads this frame's instances; grows the buffer only if they do not fit.
    pub fn upload(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        width: u32,
        height: u32,
        data: &[QuadInstance],
    ) {
        queue.write_buffer(
            &self.screen_buffer,
            0,
            bytemuck::cast_slice(&[width as f32, height as f32, 0.0, 0.0]),
        );
        let needed = data.len() as u64;
        if needed > self.capacity {
            self.capacity = needed.next_power_of_two();
            self.instances = instance_buffer(device, self.capacity);
        }
        if !data.is_empty() {
            queue.write_buffer(&self.instances, 0, bytemuck::cast_slice(data));
        }
    }

    /// Draws instances `range`, all flat (opaque, square) or all blended.
    pub fn draw_solid(
        &self,
        pass: &mut wgpu::RenderPass<'_>,
        range: std::ops::Range<u32>,
        flat: bool,
    ) {
        if range.is_empty() {
            return;
        }
        pass.set_pipeline(if flat { &self.flat } else { &self.solid });
        pass.set_bind_group(0, &self.screen_group, &[]);
        pass.set_vertex_buffer(0, self.instances.slice(..));
        pass.draw(0..4, range);
    }

    pub fn draw_picture(
        &self,
        pass: &mut wgpu::RenderPass<'_>,
        group: &wgpu::BindGroup,
        instance: u32,
    ) {
        pass.set_pipeline(&self.picture);
        pass.set_bind_group(0, &self.screen_group, &[]);
        pass.set_bind_group(1, group, &[]);
        pass.set_vertex_buffer(0, self.instances.slice(..));
        pass.draw(0..4, instance..instance + 1);
    }
}

fn instance_buffer(device: &wgpu::Device, capacity: u64) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("quad instances"),
        size: capacity * size_of::<QuadInstance>() as u64,
        usage: wgpu::BufferUsages::VERTEX | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    })
}

fn pipeline(
    device: &wgpu::Device,
    shader: &wgpu::ShaderModule,
    layout: &wgpu::PipelineLayout,
    fragment: &str,
    format: wgpu::TextureFormat,
    blend: bool,
) -> wgpu::RenderPipeline {
    const ATTRIBUTES: [wgpu::VertexAttribute; 3] =
        wgpu::vertex_attr_array![0 => Float32x4, 1 => Float32x4, 2 => Float32x4];
    device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some(fragment),
        layout: Some(layout),
        vertex: wgpu::VertexState {
            module: shader,
            entry_point: Some("vs_main"),
            buffers: &[Some(wgpu::VertexBufferLayout {
                array_stride: size_of::<QuadInstance>() as u64,
                step_mode: wgpu::VertexStepMode::Instance,
                attributes: &ATTRIBUTES,
            })],
            compilation_options: Default::default(),
        },
        fragment: Some(wgpu::FragmentState {
            module: shader,
            entry_point: Some(fragment),
            targets: &[Some(wgpu::ColorTargetState {
                format,
                blend: blend.then_some(wgpu::BlendState::ALPHA_BLENDING),
                write_mask: wgpu::ColorWrites::ALL,
            })],
            compilation_options: Default::default(),
        }),
        primitive: wgpu::PrimitiveState {
            topology: wgpu::PrimitiveTopology::TriangleStrip,
            ..Default::default()
        },
        depth_stencil: None,
        multisample: wgpu::MultisampleState::default(),
        cache: None,
        multiview_mask: None,
    })
}
