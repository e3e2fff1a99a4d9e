package dev.sandbox4j.springai;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;

/**
 * A Spring AI chat model that answers from a script instead of a network. Each call is answered by the next step, a
 * function of the prompt; tool calls it asks for are executed by ChatClient's tool-calling advisor, which calls the
 * model again with the tool responses. Records every prompt.
 */
final class ScriptedChatModel implements ChatModel {
    private final Deque<Function<Prompt, AssistantMessage>> steps = new ArrayDeque<>();
    private final List<Prompt> prompts = new ArrayList<>();
    private final AtomicInteger ids = new AtomicInteger();

    ScriptedChatModel callTool(String name, String argumentsJson) {
        steps.add(prompt -> AssistantMessage.builder()
                .toolCalls(List.of(new AssistantMessage.ToolCall("call-" + ids.incrementAndGet(), "function", name,
                        argumentsJson)))
                .build());
        return this;
    }

    ScriptedChatModel answer(Function<ToolResponseMessage.ToolResponse, String> fromLastToolResponse) {
        steps.add(prompt -> AssistantMessage.builder().content(fromLastToolResponse.apply(lastToolResponse(prompt)))
                .build());
        return this;
    }

    @Override
    public synchronized ChatResponse call(Prompt prompt) {
        prompts.add(prompt);
        Function<Prompt, AssistantMessage> step = steps.poll();
        if (step == null) {
            throw new IllegalStateException("script exhausted after " + prompts.size() + " prompts");
        }
        return new ChatResponse(List.of(new Generation(step.apply(prompt))));
    }

    @Override
    public ChatOptions getOptions() {
        return ToolCallingChatOptions.builder().build();
    }

    synchronized List<Prompt> prompts() {
        return List.copyOf(prompts);
    }

    synchronized int remainingSteps() {
        return steps.size();
    }

    static ToolResponseMessage.ToolResponse lastToolResponse(Prompt prompt) {
        List<Message> messages = prompt.getInstructions();
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i) instanceof ToolResponseMessage m) {
                return m.getResponses().getLast();
            }
        }
        throw new IllegalStateException("no tool response in the prompt: " + messages);
    }
}
