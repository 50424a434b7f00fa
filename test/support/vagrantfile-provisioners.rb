# Loads a generated Vagrantfile without Vagrant and prints, as JSON, every machine's provisioners in
# the order Vagrant would run them: {node: [[name, path, args...], ...]}. The arguments are the values
# Ruby computed, so a test can hold them to what kubelab itself would pass over ssh.
require 'json'

$provisioners = {}
$node = nil

class Recorder < BasicObject
  def method_missing(name, *args, **kwargs, &block)
    case name
    when :define
      $node = args.fetch(0)
      $provisioners[$node] ||= []
    when :provision
      $provisioners[$node] << [args.fetch(0), kwargs.fetch(:path), *kwargs.fetch(:args, [])]
    end
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
print JSON.generate($provisioners)
