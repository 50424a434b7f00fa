# Loads a generated Vagrantfile without Vagrant: every call on the configuration is recorded, and
# every string passed to one is printed as JSON. A value that ran as code, or was interpolated, would
# show up changed here (or as a side effect), not as the string the spec gave.
require 'json'

$strings = []

def collect(value)
  case value
  when String then $strings << value
  when Array then value.each { |v| collect(v) }
  when Hash then value.each { |k, v| collect(k); collect(v) }
  end
end

class Recorder < BasicObject
  def method_missing(_name, *args, **kwargs, &block)
    ::Kernel.send(:collect, args)
    ::Kernel.send(:collect, kwargs)
    block&.call(*::Array.new([block.arity, 1].max) { ::Recorder.new })
    ::Recorder.new
  end

  def respond_to_missing?(*)
    true
  end
end

module Vagrant
  def self.require_version(*); end

  def self.configure(_version)
    yield Recorder.new
  end
end

load ARGV.fetch(0)
collect(NODES)
collect(RKE_PUBLIC_KEY_FILE)
collect(IMAGES_DIR) if defined?(IMAGES_DIR)
print JSON.generate($strings)
