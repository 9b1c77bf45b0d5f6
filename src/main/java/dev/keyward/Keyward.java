package dev.keyward;

public class Keyward {
  public static void main(String[] args) {}
}
